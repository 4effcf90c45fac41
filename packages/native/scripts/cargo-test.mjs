#!/usr/bin/env node
// `cargo test --release` for the host target triple, which is what `napi build --platform` builds
// for: passing the same `--target` lets the tests reuse the addon build's compiled dependencies
// (CARGO_TARGET_DIR/<triple>/release) instead of compiling arrow and parquet a second time.
// Extra arguments are passed to cargo test (e.g. `pnpm test:rust -- stats::`).

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const rustc = spawnSync('rustc', ['-vV'], { encoding: 'utf8' });
if (rustc.error || rustc.status !== 0) {
  console.error('@armillaria/native: `rustc` not found; cannot run the Rust tests');
  process.exit(1);
}
const host = /^host: (\S+)$/m.exec(rustc.stdout)?.[1];
if (!host) {
  console.error(`@armillaria/native: cannot read the host triple from \`rustc -vV\`:\n${rustc.stdout}`);
  process.exit(1);
}
const args = ['test', '--release', '--target', host, ...process.argv.slice(2)];
const run = spawnSync('cargo', args, { cwd: packageDir, stdio: 'inherit' });
process.exit(run.status ?? 1);
