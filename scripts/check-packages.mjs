#!/usr/bin/env node
// Packs the published packages and installs them the way a user would, outside the workspace, with
// plain npm; then runs the README's library example (ESM and CommonJS consumers) and CLI example.
//
//   node scripts/check-packages.mjs [--keep] [--source-build]
//   node scripts/check-packages.mjs --pack-only <dir>     just write the tarballs into <dir>
//
// Scenarios, each in a project under os.tmpdir():
//   a  @armillaria/native + @armillaria/native-linux-x64-gnu + @armillaria/core tarballs and
//      apache-arrow at core's range: the addon loads from the per-platform package; example.mjs,
//      example.cjs (with require('apache-arrow'), i.e. Arrow's CommonJS build beside the ESM one
//      core imports, and with tables from the ESM build) and `npx armillaria`
//      init/import/log/sql/verify.
//   c  the same without the per-platform tarball and without cargo on the PATH: the install
//      succeeds with a warning, nativeStatus().available is false, the `sequential` flow works and
//      { phase: 'native-parquet' } throws NativeUnavailableError saying why.
//   d  a project of its own with apache-arrow 20.0.0 (another version in core's peer range, which
//      core then runs with): install, example.mjs and example.cjs.
//   e  (--source-build only) no per-platform tarball, cargo on the PATH: install.mjs builds the
//      addon from the packed Rust sources (CARGO_TARGET_DIR=~/.cache/armillaria/target-consumer,
//      so a repeated run recompiles only the crate), then example.mjs with the addon.
// One npm cache (the user's) serves every install; the first run downloads core's dependencies.
// Every command has a timeout; each step prints its duration; the first failure ends the run,
// named, with exit 1. The temporary projects are removed unless --keep or a step failed.
//
// Needs the addon built (`pnpm install`); builds core through turbo (a cache hit after `pnpm test`).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'scripts', 'check-packages');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const packOnly = flag('--pack-only') ? resolve(argv[argv.indexOf('--pack-only') + 1] ?? '') : undefined;
if (flag('--pack-only') && !argv[argv.indexOf('--pack-only') + 1]) {
  console.error('usage: node scripts/check-packages.mjs --pack-only <dir>');
  process.exit(2);
}
const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'];
const PLATFORM = 'linux-x64-gnu'; // the one napi target built here (packages/native/package.json napi.targets)

const work = mkdtempSync(join(tmpdir(), 'armillaria-packages-'));
const tarballDir = packOnly ?? join(work, 'tarballs');
const results = [];
const extraDirs = []; // projects outside `work`, removed with it
let failed = false;

try {
  await step('build core (turbo)', () => {
    run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@armillaria/core', '--output-logs=errors-only'], { cwd: root, timeout: 600_000 });
    const binary = join(root, 'packages/native', `armillaria-native.${PLATFORM}.node`);
    if (!existsSync(binary)) throw new Error(`${binary} is missing: build the addon first (pnpm install)`);
  });

  let tarballs;
  await step('pack', () => {
    mkdirSync(tarballDir, { recursive: true });
    const native = run(process.execPath, ['packages/native/scripts/pack.mjs', '--out', tarballDir], { cwd: root }).stdout.trim().split('\n');
    const core = JSON.parse(jsonPart(run('pnpm', ['pack', '--json', '--pack-destination', tarballDir], { cwd: join(root, 'packages/core') }).stdout));
    tarballs = {
      native: native[0], // pack.mjs prints the main package first
      platform: native.find((t) => t.includes(`armillaria-native-${PLATFORM}-`)),
      core: resolve(tarballDir, core.filename),
    };
    for (const [k, v] of Object.entries(tarballs)) if (!v || !existsSync(v)) throw new Error(`no ${k} tarball among ${native.join(', ')}`);
    return Object.values(tarballs).map((t) => `${t.split('/').pop()} ${(statSync(t).size / 1024).toFixed(0)} KiB`).join(', ');
  });

  let arrowSpec;
  await step('inspect tarballs', () => {
    const native = manifestOf(tarballs.native);
    const nativeFiles = filesOf(tarballs.native);
    const platformPackage = `@armillaria/native-${PLATFORM}`;
    expect(native.optionalDependencies?.[platformPackage] === native.version, `native lists ${platformPackage}@${native.version} in optionalDependencies (has ${JSON.stringify(native.optionalDependencies)})`);
    expect(native.scripts?.install === 'node scripts/install.mjs', `native's install script is scripts/install.mjs (is ${native.scripts?.install})`);
    for (const f of ['index.js', 'index.d.ts', 'scripts/install.mjs', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs', '.cargo/config.toml']) expect(nativeFiles.includes(f), `native tarball has ${f}`);
    expect(!nativeFiles.some((f) => f.endsWith('.node')), 'native tarball carries no .node (that is the per-platform package)');
    const sources = readdirSync(join(root, 'packages/native/src'), { recursive: true }).filter((f) => f.endsWith('.rs')).map((f) => `src/${f}`);
    const missing = sources.filter((f) => !nativeFiles.includes(f));
    expect(missing.length === 0, `native tarball has every Rust source (missing ${missing.join(', ')})`);
    // A source build runs `cargo build --locked`: the packed Cargo.lock must fit the packed Cargo.toml.
    if (!spawnSync('cargo', ['--version']).error) {
      const unpacked = join(work, 'native-unpacked');
      mkdirSync(unpacked);
      run('tar', ['xzf', tarballs.native, '-C', unpacked, '--strip-components=1']);
      run('cargo', ['metadata', '--locked', '--offline', '--format-version', '1'], { cwd: unpacked });
    }
    const platform = manifestOf(tarballs.platform);
    expect(platform.name === platformPackage && platform.version === native.version, `${platform.name}@${platform.version} is ${platformPackage}@${native.version}`);
    expect(filesOf(tarballs.platform).includes(platform.main) && platform.main === `armillaria-native.${PLATFORM}.node`, `platform tarball has its main ${platform.main}`);
    expect(JSON.stringify([platform.os, platform.cpu, platform.libc]) === '[["linux"],["x64"],["glibc"]]', 'platform package has os/cpu/libc');
    const core = manifestOf(tarballs.core);
    expect(core.dependencies?.['@armillaria/native'] === native.version, `core depends on @armillaria/native ${native.version} (has ${core.dependencies?.['@armillaria/native']})`);
    expect(core.bin?.armillaria && filesOf(tarballs.core).includes(core.bin.armillaria.replace(/^\.\//, '')), 'core has its bin');
    expect(filesOf(tarballs.core).includes('dist/index.js'), 'core tarball has dist/index.js');
    arrowSpec = core.peerDependencies?.['apache-arrow'] ?? core.dependencies?.['apache-arrow'];
    expect(arrowSpec, 'core names an apache-arrow version');
    return `apache-arrow ${arrowSpec} for the consumer`;
  });

  if (packOnly) {
    console.log(`tarballs in ${tarballDir}:\n  ${Object.values(tarballs).join('\n  ')}`);
  } else {
    // a: with the per-platform package
    const a = project('a-prebuilt');
    await step('a: npm install (with the per-platform package)', () => {
      const out = npm(a, ['install', ...npmFlags, tarballs.native, tarballs.platform, tarballs.core, `apache-arrow@${arrowSpec}`], { timeout: 600_000 });
      expect(existsSync(join(a, 'node_modules/@armillaria', `native-${PLATFORM}`)), `node_modules/@armillaria/native-${PLATFORM} installed`);
      expect(out.includes(`the prebuilt addon for ${PLATFORM} loads`), 'install.mjs found the prebuilt addon');
    });
    await step('a: ESM example (example.mjs)', () => node(a, 'example.mjs', { EXPECT_NATIVE: '1' }));
    await step('a: CommonJS example, tables from apache-arrow ESM (example.cjs)', () => node(a, 'example.cjs', { EXPECT_NATIVE: '1', ARROW_ESM: '1' }));
    await step("a: CommonJS example, require('apache-arrow') (example.cjs)", () => node(a, 'example.cjs', { EXPECT_NATIVE: '1' }));
    await step('a: CLI (npx armillaria init/import/log/sql/verify)', () => cliFlow(a, ['--phase', 'native-parquet']));

    // c: no per-platform package, no cargo
    const c = project('c-no-native');
    await step('c: npm install (no per-platform package, no cargo on PATH)', () => {
      const env = { PATH: pathWithoutCargo() };
      const out = npm(c, ['install', ...npmFlags, tarballs.native, tarballs.core, `apache-arrow@${arrowSpec}`], { timeout: 600_000, env });
      expect(!existsSync(join(c, 'node_modules/@armillaria', `native-${PLATFORM}`)), `npm fetched no @armillaria/native-${PLATFORM} (if it is published now, this scenario needs another way to leave it out)`);
      const warning = /@armillaria\/native: WARNING: the native addon is not available: .*`cargo` is not on the PATH.*`sequential` phase/.exec(out);
      expect(warning, 'install printed the warning paragraph');
      return warning[0].slice(0, 160) + '…';
    });
    await step('c: ESM example, sequential (example.mjs)', () => node(c, 'example.mjs', { EXPECT_NATIVE: '0' }));
    await step('c: CLI without the addon (init/import/log/sql/verify)', () => cliFlow(c, []));

    // d: another apache-arrow in the consumer's own project
    const d = project('d-arrow-20');
    await step('d: npm install with apache-arrow@20.0.0', () => {
      const out = npm(d, ['install', ...npmFlags, tarballs.native, tarballs.platform, tarballs.core, 'apache-arrow@20.0.0'], { timeout: 600_000 });
      const warnings = out.split('\n').filter((l) => /ERESOLVE|peer dep/i.test(l)).slice(0, 2).join(' / ');
      return warnings ? `npm: ${warnings}` : undefined;
    });
    await step('d: ESM example with apache-arrow 20.0.0', () => node(d, 'example.mjs', { EXPECT_NATIVE: '1' }));
    await step('d: CommonJS example with apache-arrow 20.0.0', () => node(d, 'example.cjs', { EXPECT_NATIVE: '1' }));

    // e: source build (optional: a cold build takes minutes)
    if (flag('--source-build')) {
      // A fixed path, so cargo's fingerprints in the shared target dir are replaced, not piled up, run after run.
      const e = project('e-source-build', join(tmpdir(), 'armillaria-packages-source-build'));
      await step('e: npm install (no per-platform package, cargo builds from source)', () => {
        const env = { CARGO_TARGET_DIR: join(homedir(), '.cache/armillaria/target-consumer') };
        const out = npm(e, ['install', ...npmFlags, tarballs.native, tarballs.core, `apache-arrow@${arrowSpec}`], { timeout: 1_200_000, env });
        const built = /@armillaria\/native: built armillaria-native\.linux-x64-gnu\.node from source in [\d.]+ s/.exec(out);
        expect(built, 'install.mjs built the addon from source');
        return built[0];
      });
      await step('e: ESM example with the addon built from source', () => node(e, 'example.mjs', { EXPECT_NATIVE: '1' }));
    }
  }
} catch {
  failed = true; // step() has printed it
} finally {
  console.log('\ncheck-packages summary:');
  for (const r of results) console.log(`  ${r.status.padEnd(10)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.name}${r.note ? `  (${r.note})` : ''}`);
  if (failed || flag('--keep')) console.log(`projects and tarballs kept in ${[work, ...extraDirs].join(' and ')}`);
  else for (const dir of [work, ...extraDirs]) rmSync(dir, { recursive: true, force: true });
  if (failed) {
    console.error(`check-packages: FAILED at step "${results.at(-1).name}"`);
    process.exitCode = 1;
  }
}

/** Runs one step, timing it; a failure is printed and rethrown. */
async function step(name, fn) {
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  try {
    const note = await fn();
    const ms = Date.now() - started;
    results.push({ name, status: 'ok', ms, note });
    console.log(`✔ ${name} (${(ms / 1000).toFixed(1)} s)${note ? `: ${note}` : ''}`);
  } catch (e) {
    const ms = Date.now() - started;
    console.error(e.message);
    results.push({ name, status: 'FAIL', ms, note: firstErrorLine(e.message) });
    console.error(`✘ ${name} (${(ms / 1000).toFixed(1)} s)`);
    throw e;
  }
}

/** The README's CLI example in `dir`: init, import a CSV, log, sql, verify, asserting exit codes and output. */
function cliFlow(dir, globalArgs) {
  writeFileSync(join(dir, 'orders.csv'), 'id,region,total\n1,eu,10\n2,us,20\n3,eu,30\n4,ap,40\n');
  const cli = (...args) => run('npx', ['--no-install', 'armillaria', '--store', './data', ...globalArgs, ...args], { cwd: dir, env: consumerEnv(), timeout: 120_000 }).stdout;
  cli('init');
  cli('import', 'orders', 'orders.csv', '--keys', 'id', '-m', 'initial load');
  expect(/initial load/.test(cli('log', 'orders')), 'log shows the commit message');
  const sql = cli('sql', 'SELECT count(*) AS n, sum(total) AS t FROM orders');
  expect(/^n\s+t\n4\s+100$/m.test(sql), `sql prints n=4, t=100:\n${sql}`);
  const verify = cli('verify'); // exit 0: every object re-hashed to its id, the graph complete
  expect(/^ok: \d+ objects verified/m.test(verify), `verify reports ok:\n${verify}`);
  return `sql printed "4  100"; ${verify.trim()}`;
}

function project(name, dir = join(work, name)) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  if (!dir.startsWith(work)) extraDirs.push(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }, null, 2)}\n`);
  for (const f of readdirSync(examples)) copyFileSync(join(examples, f), join(dir, f));
  return dir;
}

function npm(dir, args, { env = {}, timeout }) {
  const r = run('npm', args, { cwd: dir, env: consumerEnv(env), timeout });
  return r.stdout + r.stderr;
}

function node(dir, file, env) {
  return run(process.execPath, [file], { cwd: dir, env: consumerEnv(env), timeout: 180_000 }).stdout.trim().split('\n').join(' | ');
}

/** The environment of a user's shell: nothing from this workspace's tooling or CI settings. */
function consumerEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|PNPM_|pnpm_|ARMILLARIA_|TURBO_|INIT_CWD$|NODE_OPTIONS$|NODE_PATH$|CARGO_TARGET_DIR$)/.test(k)));
  return { ...env, ...extra };
}

/** PATH without any directory holding a `cargo` executable, nor the cargo home's bin directories. */
function pathWithoutCargo() {
  const cargoHomes = [process.env.CARGO_HOME, join(homedir(), '.cargo')].filter(Boolean).map((d) => resolve(d, 'bin'));
  const kept = (process.env.PATH ?? '').split(delimiter).filter((d) => d && !cargoHomes.includes(resolve(d)) && !existsSync(join(d, 'cargo')));
  const path = kept.join(delimiter);
  const probe = spawnSync('cargo', ['--version'], { env: { ...process.env, PATH: path } });
  if (!probe.error) throw new Error(`cargo is still reachable with PATH=${path}`);
  for (const tool of ['node', 'npm']) if (spawnSync(tool, ['--version'], { env: { ...process.env, PATH: path } }).error) throw new Error(`${tool} is not on PATH=${path} once cargo's directories are removed`);
  return path;
}

function manifestOf(tarball) {
  return JSON.parse(run('tar', ['xzf', tarball, '-O', 'package/package.json']).stdout);
}

function filesOf(tarball) {
  return run('tar', ['tzf', tarball]).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
}

function run(command, args, { cwd = work, env = process.env, timeout = 120_000 } = {}) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const why = r.error?.code === 'ETIMEDOUT' ? `timed out after ${timeout / 1000} s` : r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} failed (${why}):\n${tail(r.stdout)}${tail(r.stderr)}`);
  }
  return r;
}

function tail(text = '', lines = 40) {
  const all = text.trimEnd().split('\n');
  return all.length > lines ? `…\n${all.slice(-lines).join('\n')}\n` : text;
}

function expect(ok, what) {
  if (!ok) throw new Error(`expected: ${what}`);
}

function jsonPart(stdout) {
  return stdout.slice(stdout.indexOf('{'));
}

function firstErrorLine(message) {
  const lines = message.split('\n');
  const peer = lines.find((l) => /^npm error peer /.test(l)); // npm's ERESOLVE names the conflicting peer range
  if (message.includes('ERESOLVE') && peer) return `npm ERESOLVE: ${peer.replace(/^npm error /, '')}`;
  const line = lines.find((l) => /^\s*(\w*Error|expected:)/.test(l)) ?? lines.find((l) => /Error|assert/i.test(l) && !l.startsWith('`')) ?? lines[0];
  return line.trim().slice(0, 200);
}
