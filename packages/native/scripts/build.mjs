#!/usr/bin/env node
// Builds the addon (`napi build --platform --release --no-const-enum`): run by this package's
// `install` lifecycle script (so a root `pnpm install` builds it) and by its `build` script.
//
// Exit codes: 0 when built, and also 0 with a warning when `cargo` is not installed (install must
// succeed on machines without Rust; core then offers only the `sequential` phase). Non-zero when
// cargo exists but the build fails, so a broken build can never pass as "no Rust here".
// Honours CARGO_TARGET_DIR (cargo reads it; the napi CLI asks cargo where the artefact is).
// `--debug` builds without --release (faster to compile, much slower to run).

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const debug = process.argv.includes('--debug');

if (process.env.ARMILLARIA_SKIP_NATIVE_BUILD === '1') {
  console.warn('@armillaria/native: ARMILLARIA_SKIP_NATIVE_BUILD=1, not building the addon');
  process.exit(0);
}

const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (cargo.error || cargo.status !== 0) {
  console.warn(
    '@armillaria/native: WARNING: the `cargo` command was not found (install Rust from rustup.rs), ' +
      'so the native addon was not built. Armillaria still works with the pure TypeScript ' +
      '`sequential` phase; phases that need the addon will fail when requested.',
  );
  process.exit(0);
}

const require = createRequire(import.meta.url);
const napiCli = join(dirname(require.resolve('@napi-rs/cli/package.json')), 'dist', 'cli.js');
const args = [napiCli, 'build', '--platform', '--no-const-enum'];
if (!debug) args.push('--release');

console.log(`@armillaria/native: ${cargo.stdout.trim()}; napi ${args.slice(1).join(' ')}`);
const started = Date.now();
const build = spawnSync(process.execPath, args, { cwd: packageDir, stdio: 'inherit' });
if (build.error) {
  console.error(`@armillaria/native: cannot run the napi CLI: ${build.error.message}`);
  process.exit(1);
}
if (build.status !== 0) {
  console.error(`@armillaria/native: the addon build failed (exit ${build.status ?? build.signal})`);
  process.exit(build.status || 1);
}
console.log(`@armillaria/native: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
