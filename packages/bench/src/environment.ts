/**
 * The environment every run file carries (ClickBench-style metadata): machine, OS, filesystem and
 * software versions, so later runs can be compared honestly.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { MachineInfo, VersionInfo } from '@armillaria/report';
import { REPO_ROOT } from './paths.js';

function sh(cmd: string, args: string[], cwd = REPO_ROOT): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Full git sha of the checkout, `-dirty` when there are uncommitted changes, or 'unknown'. */
export function gitSha(): string {
  const sha = sh('git', ['rev-parse', 'HEAD']);
  if (!sha) return 'unknown';
  const dirty = sh('git', ['status', '--porcelain', '--untracked-files=no']);
  return dirty ? `${sha}-dirty` : sha;
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return `${m[1]} (${os.type()} ${os.release()} ${os.arch()})`;
  } catch { /* not Linux */ }
  return `${os.type()} ${os.release()} ${os.arch()}`;
}

/** Filesystem type of `dir` (`df --output=fstype`), when known. */
export function fsType(dir: string): string | undefined {
  const out = sh('df', ['--output=fstype', dir]);
  return out?.split('\n')[1]?.trim() || undefined;
}

/**
 * A stable machine label: `ARMILLARIA_MACHINE`, else derived from CPU model, cores and RAM (container
 * hostnames change every session, which would scatter history; the report compares within a label).
 */
export function machineName(): string {
  if (process.env.ARMILLARIA_MACHINE) return process.env.ARMILLARIA_MACHINE;
  const cpu = (os.cpus()[0]?.model ?? 'cpu')
    .toLowerCase()
    .replace(/\(r\)|\(tm\)|cpu|processor|@.*$|\d+-core/g, ' ')
    .trim()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${cpu || 'cpu'}-${os.availableParallelism()}c-${Math.round(os.totalmem() / 2 ** 30)}g`;
}

export function machineInfo(benchDir: string): MachineInfo {
  const fs = fsType(benchDir);
  return {
    name: machineName(),
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    ramBytes: os.totalmem(),
    os: osName(),
    ...(fs ? { fs } : {}),
  };
}

/** rustc version (`rustc --version`), when a toolchain is installed. */
export function rustcVersion(): string | undefined {
  return sh('rustc', ['--version'])?.replace(/^rustc\s+/, '');
}

/** The versions known without engines; engines add theirs (deltalake, pyarrow, parquet-wasm...). */
export function baseVersions(): VersionInfo {
  const rustc = rustcVersion();
  return { armillaria: gitSha(), node: process.versions.node, ...(rustc ? { rustc } : {}) };
}
