/** Filesystem locations the harness uses, resolved from this module so they work from src/ and dist/. */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/bench (this file lives in packages/bench/{src,dist}/). */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The monorepo root. */
export const REPO_ROOT = resolve(PACKAGE_DIR, '..', '..');
/** datasets/ (manifest.json, generate/). */
export const DATASETS_DIR = resolve(REPO_ROOT, 'datasets');
/** packages/bench/python (the engines' drivers; the venv's pinned requirements are @armillaria/testkit's). */
export const PYTHON_DIR = resolve(PACKAGE_DIR, 'python');

/** Where dataset payloads live: `ARMILLARIA_DATASETS_DIR`, else datasets/data/. */
export function datasetsDataDir(): string {
  return process.env.ARMILLARIA_DATASETS_DIR ?? resolve(DATASETS_DIR, 'data');
}

/** Resolve a user-given path the way the user meant it: against the directory pnpm was started in. */
export function userPath(p: string): string {
  return isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p);
}
