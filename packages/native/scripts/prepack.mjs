#!/usr/bin/env node
// `prepack` (and, with --clean, `postpack`) of @armillaria/native: adds what a source build by a
// user (scripts/install.mjs, when no prebuilt addon fits) needs from the Cargo workspace, which the
// package directory alone does not hold:
//   Cargo.lock          the workspace's lockfile, so `cargo build --locked` builds the tested
//                       versions (the workspace has this one member, so it is this package's lock);
//   .cargo/config.toml  the workspace's [profile.release] (cargo ignores a member's own profile,
//                       and a standalone package has no workspace above it).
// Both are gitignored and removed again by `postpack`. Outside the workspace (e.g. repacking an
// unpacked tarball, which already holds them) it does nothing.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const workspaceDir = join(packageDir, '..', '..');
const lockFile = join(packageDir, 'Cargo.lock');
const configDir = join(packageDir, '.cargo');
const configFile = join(configDir, 'config.toml');
const header = '# Generated at pack time by scripts/prepack.mjs from the workspace Cargo.toml; do not edit.\n';

if (process.argv.includes('--clean')) {
  if (existsSync(configFile) && readFileSync(configFile, 'utf8').startsWith(header)) rmSync(configDir, { recursive: true, force: true });
  if (existsSync(join(workspaceDir, 'Cargo.lock'))) rmSync(lockFile, { force: true });
  process.exit(0);
}

const workspaceManifest = join(workspaceDir, 'Cargo.toml');
if (!existsSync(workspaceManifest) || !readFileSync(workspaceManifest, 'utf8').includes('"packages/native"')) {
  console.warn('@armillaria/native prepack: not in the Armillaria Cargo workspace; packing the directory as it is');
  process.exit(0);
}

writeFileSync(lockFile, readFileSync(join(workspaceDir, 'Cargo.lock')));
const profile = releaseProfile(readFileSync(workspaceManifest, 'utf8'));
if (!profile) {
  console.error('@armillaria/native prepack: no [profile.release] in the workspace Cargo.toml');
  process.exit(1);
}
mkdirSync(configDir, { recursive: true });
writeFileSync(configFile, `${header}${profile}`);

/** The `[profile.release]` table of a Cargo.toml, its key lines only (no comments). */
function releaseProfile(toml) {
  const lines = toml.split('\n');
  const start = lines.findIndex((l) => l.trim() === '[profile.release]');
  if (start < 0) return undefined;
  const body = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim().startsWith('[')) break;
    if (line.trim() !== '' && !line.trim().startsWith('#')) body.push(line.trim());
  }
  return `[profile.release]\n${body.join('\n')}\n`;
}
