#!/usr/bin/env node
// Packs @armillaria/native as a release would, without publishing anything:
//   node scripts/pack.mjs --out <dir>
// writes into <dir> the main package's tarball and one tarball per configured napi target
// (`napi.targets` in package.json; here only x86_64-unknown-linux-gnu can be built).
//
// Steps, each the napi CLI's own where one exists:
//   1. `pnpm pack` this directory (prepack adds Cargo.lock and the release profile, see prepack.mjs);
//   2. unpack it into a staging directory with a copy of npm/ (the per-platform packages);
//   3. `napi artifacts`: copies the built armillaria-native.<platform>.node into npm/<platform>/;
//   4. `napi pre-publish --skip-optional-publish --no-gh-release`: writes the per-platform packages
//      into the main package's optionalDependencies at its version (no publish, no GitHub release);
//   5. `pnpm pack` the staged main package and each staged per-platform package.
// The staging happens in a temporary directory because pre-publish rewrites package.json: the
// committed package.json has no optionalDependencies, since unpublished ones would break the
// workspace's `pnpm install --frozen-lockfile`.
// Needs the addon built for every target (`pnpm install` or `pnpm --filter @armillaria/native build`).

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outIndex = process.argv.indexOf('--out');
if (outIndex < 0 || !process.argv[outIndex + 1]) {
  console.error('usage: node scripts/pack.mjs --out <dir>');
  process.exit(2);
}
const outDir = resolve(process.argv[outIndex + 1]);
mkdirSync(outDir, { recursive: true });

const napiCli = join(dirname(createRequire(import.meta.url).resolve('@napi-rs/cli/package.json')), 'dist', 'cli.js');
const { napi } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'armillaria-native-pack-'));
try {
  // 1-2. the main package as `pnpm pack` makes it, unpacked, plus the per-platform package dirs
  const raw = join(work, 'raw');
  const main = pnpmPack(packageDir, raw);
  const stage = join(work, 'stage');
  mkdirSync(stage);
  run('tar', ['xzf', main, '-C', stage, '--strip-components=1']);
  cpSync(join(packageDir, 'npm'), join(stage, 'npm'), { recursive: true });

  // 3. the built binaries, gathered where `napi artifacts` looks for them
  const artifacts = join(work, 'artifacts');
  mkdirSync(artifacts);
  const built = readdirSync(packageDir).filter((f) => f.startsWith(`${napi.binaryName}.`) && f.endsWith('.node'));
  for (const file of built) copyFileSync(join(packageDir, file), join(artifacts, file));
  run(process.execPath, [napiCli, 'artifacts', '--cwd', stage, '--output-dir', artifacts, '--npm-dir', 'npm']);
  // `napi artifacts` also drops a copy next to the loader; the main package's `files` leaves it out,
  // and removing it keeps the staged directory what a user gets.
  for (const file of built) rmSync(join(stage, file), { force: true });

  // 4. optionalDependencies on the per-platform packages, at the main package's version
  run(process.execPath, [napiCli, 'pre-publish', '--cwd', stage, '--npm-dir', 'npm', '--skip-optional-publish', '--no-gh-release']);

  // 5. the tarballs
  const tarballs = [pnpmPack(stage, outDir)];
  for (const dir of readdirSync(join(stage, 'npm'))) tarballs.push(pnpmPack(join(stage, 'npm', dir), outDir));
  for (const t of tarballs) console.log(t);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** `pnpm pack` of `dir` into `destination`; returns the tarball's path. */
function pnpmPack(dir, destination) {
  const out = run('pnpm', ['pack', '--json', '--pack-destination', destination], { cwd: dir });
  const json = JSON.parse(out.slice(out.indexOf('{')));
  return resolve(destination, json.filename);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 120_000, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error || result.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}):\n${result.stdout}${result.stderr}`);
    process.exit(1);
  }
  return result.stdout;
}
