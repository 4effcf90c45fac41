#!/usr/bin/env node
// The `install` lifecycle script of @armillaria/native. Plain Node: it needs none of the package's
// devDependencies, because a user's `npm i` does not install them.
//
// In the dev checkout (this package outside any node_modules, @napi-rs/cli resolvable) it runs
// scripts/build.mjs, unchanged: `napi build --platform --release`, a warning and exit 0 without
// cargo, a failing exit when cargo exists and the build fails (CI relies on that).
//
// Installed as a dependency it never fails the install:
//   1. a prebuilt addon loads (the @armillaria/native-<platform> optional dependency, or a local
//      armillaria-native.<platform>.node): nothing to do;
//   2. otherwise, with cargo on the PATH and the Rust sources in the package: `cargo build
//      --release --locked` (Cargo.lock and the release profile are the workspace's, added at pack
//      time by scripts/prepack.mjs), then the cdylib is copied to armillaria-native.<platform>.node,
//      the local name the generated loader (index.js) tries first;
//   3. otherwise, or when that build fails: one warning paragraph, exit 0. @armillaria/core then
//      runs the pure TypeScript `sequential` phase, and the native phases say why they cannot run.
// ARMILLARIA_SKIP_NATIVE_BUILD=1 skips all of it.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = '@armillaria/native';

if (process.env.ARMILLARIA_SKIP_NATIVE_BUILD === '1') {
  console.warn(`${name}: ARMILLARIA_SKIP_NATIVE_BUILD=1, not building the addon`);
  process.exit(0);
}

if (isDevCheckout()) {
  await import('./build.mjs'); // exits with the build's status
} else {
  try {
    installForUser();
  } catch (e) {
    // never fail a user's install; whatever went wrong leaves core on `sequential`, said loudly
    warn(`the install script failed unexpectedly (${e.message})`, 'report it with this output');
  }
}

/** The workspace checkout: not inside a node_modules tree, with the napi CLI (a devDependency) at hand. */
function isDevCheckout() {
  if (packageDir.split(sep).includes('node_modules')) return false;
  if (!existsSync(join(packageDir, 'scripts', 'build.mjs'))) return false;
  try {
    createRequire(import.meta.url).resolve('@napi-rs/cli/package.json');
    return true;
  } catch {
    return false;
  }
}

function installForUser() {
  const platform = platformSuffix();
  const binaryFile = platform && `armillaria-native.${platform}.node`;
  const prebuilt = tryLoad();
  if (prebuilt.ok) {
    console.log(`${name}: the prebuilt addon for ${platform ?? `${process.platform}-${process.arch}`} loads; nothing to build`);
    return;
  }
  const nothingLoaded = platform
    ? `no prebuilt addon for ${platform} loaded (the optional dependency ${name}-${platform} is not installed or does not load)`
    : `there is no prebuilt addon for ${process.platform}-${process.arch}`;

  const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  if (cargo.error || cargo.status !== 0) {
    return warn(`${nothingLoaded}, and \`cargo\` is not on the PATH to build it from source`, 'install Rust (https://rustup.rs), then run `npm rebuild @armillaria/native`');
  }
  if (!platform) {
    return warn(`${nothingLoaded}, and the loader (index.js) knows no file name for this platform`, 'ask for the platform to be added');
  }
  const missing = ['Cargo.toml', 'build.rs', join('src', 'lib.rs')].filter((f) => !existsSync(join(packageDir, f)));
  if (missing.length > 0) {
    return warn(`${nothingLoaded}, and the package lacks the Rust sources to build it (${missing.join(', ')})`, 'reinstall @armillaria/native from the registry');
  }

  const locked = existsSync(join(packageDir, 'Cargo.lock'));
  const args = ['build', '--release', '--lib', '--message-format=json-render-diagnostics', ...(locked ? ['--locked'] : [])];
  console.warn(`${name}: ${nothingLoaded}; building it from source with ${cargo.stdout.trim()} (cargo ${args.join(' ')}; a few minutes)`);
  const started = Date.now();
  const usesOwnTarget = !process.env.CARGO_TARGET_DIR;
  // stdout carries cargo's JSON messages (parsed below); its human-readable output goes to stderr.
  const build = spawnSync('cargo', args, { cwd: packageDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
  const artifact = build.status === 0 ? cdylibPath(build.stdout) : undefined;
  if (build.error || build.status !== 0 || !artifact) {
    if (usesOwnTarget) rmSync(join(packageDir, 'target'), { recursive: true, force: true });
    const why = build.error ? build.error.message : build.status !== 0 ? `exit ${build.status ?? build.signal}` : 'cargo reported no cdylib';
    return warn(`${nothingLoaded}, and building it from source failed (${why}; cargo's output is above)`, 'fix the cause, then run `npm rebuild @armillaria/native`');
  }
  const target = join(packageDir, binaryFile);
  copyFileSync(artifact, target);
  // The build tree of a release build is hundreds of MB; nothing needs it once the addon is copied.
  if (usesOwnTarget) rmSync(join(packageDir, 'target'), { recursive: true, force: true });
  const built = tryLoad();
  if (!built.ok) {
    rmSync(target, { force: true });
    return warn(`the addon built from source does not load (${built.error})`, 'report it with the output above');
  }
  console.warn(`${name}: built ${binaryFile} from source in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Loads the package's generated loader in a child process, so a crashing binary cannot take the install down. */
function tryLoad() {
  const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(packageDir, 'index.js'))})`], { encoding: 'utf8', timeout: 60_000 });
  if (run.status === 0) return { ok: true };
  const line = (run.stderr || run.error?.message || `exit ${run.status ?? run.signal}`).split('\n').find((l) => /Error/.test(l)) ?? '';
  return { ok: false, error: line.trim() };
}

/** The cdylib file among cargo's `compiler-artifact` messages (.so, .dylib or .dll by platform). */
function cdylibPath(stdout) {
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line);
    if (message.reason !== 'compiler-artifact' || !message.target?.kind?.includes('cdylib')) continue;
    const file = message.filenames.find((f) => /\.(so|dylib|dll)$/.test(f));
    if (file) return file;
  }
  return undefined;
}

function warn(what, remedy) {
  console.warn(
    `${name}: WARNING: the native addon is not available: ${what}. ` +
      'The install still succeeds and Armillaria works without the addon: @armillaria/core runs the pure ' +
      'TypeScript `sequential` phase, and asking for any other phase (they need the addon) ' +
      `throws NativeUnavailableError saying why. To get the native phases: ${remedy}.`,
  );
}

/** The `<platform>` of `armillaria-native.<platform>.node` that the generated loader (index.js) requires here. */
function platformSuffix() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const abi = isMusl() ? 'musl' : 'gnu';
    if (arch === 'arm') return `linux-arm-${abi}eabihf`;
    if (['x64', 'arm64', 'loong64', 'riscv64'].includes(arch)) return `linux-${arch}-${abi}`;
    if (['ppc64', 's390x'].includes(arch)) return `linux-${arch}-gnu`;
    return undefined;
  }
  if (platform === 'darwin' && ['x64', 'arm64'].includes(arch)) return `darwin-${arch}`;
  if (platform === 'win32') {
    const vars = process.config?.variables ?? {};
    if (arch === 'x64') return vars.shlib_suffix === 'dll.a' || vars.node_target_type === 'shared_library' ? 'win32-x64-gnu' : 'win32-x64-msvc';
    if (['ia32', 'arm64'].includes(arch)) return `win32-${arch}-msvc`;
    return undefined;
  }
  if (platform === 'freebsd' && ['x64', 'arm64', 'ppc64'].includes(arch)) return `freebsd-${arch}`;
  if (platform === 'android') return arch === 'arm64' ? 'android-arm64' : arch === 'arm' ? 'android-arm-eabi' : undefined;
  return undefined;
}

function isMusl() {
  if (process.report) process.report.excludeNetwork = true; // as the loader does: getReport is slow otherwise
  const header = process.report?.getReport?.()?.header;
  if (header?.glibcVersionRuntime) return false;
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    return false;
  }
}
