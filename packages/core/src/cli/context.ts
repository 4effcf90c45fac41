/** What every command module gets: the program (for global options) and a way to open the store. */
import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';

import { DEFAULT_BRANCH, openStore, type AtOptions, type Store } from '../store.js';

export interface GlobalOptions {
  store: string;
  phase?: string;
  author?: string;
  meta?: Record<string, string>;
}

export interface CliContext {
  program: Command;
  open(): Promise<Store>;
}

export function makeContext(program: Command): CliContext {
  return {
    program,
    open: () => {
      const g = program.opts<GlobalOptions>();
      return openStore(g.store, { phase: g.phase, ...(g.author ? { author: g.author } : {}), ...(g.meta ? { metadata: g.meta } : {}) });
    },
  };
}

/** `--meta key=value`, collected over repeats into one record. */
export function metaPair(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new CommanderArgumentError(`expected key=value, got ${JSON.stringify(value)}`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new CommanderArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new CommanderArgumentError(`expected an integer >= 0, got ${JSON.stringify(value)}`);
  return n;
}

/** A number >= 0 (decimals allowed), for durations. */
export function nonNegativeNumber(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new CommanderArgumentError(`expected a number >= 0, got ${JSON.stringify(value)}`);
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** An age such as `30d`, `12h`, `90m`, `45s` or `2w` (decimals allowed), in milliseconds. */
export function age(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (!m) throw new CommanderArgumentError(`expected an age such as 30d, 12h, 90m, 45s or 2w, got ${JSON.stringify(value)}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Flags that pick what to read: `--branch`, `--ref`, `--as-of`, `--version`. */
export interface AtFlags {
  branch?: string;
  ref?: string;
  asOf?: string;
  version?: number;
}

export function withAtFlags(cmd: Command, what: { version?: boolean } = {}): Command {
  cmd
    .option('--branch <name>', 'branch to read (default: main)')
    .option('--ref <ref>', 'a tag or commit id to read instead of a branch')
    .option('--as-of <time>', 'the state at this ISO 8601 time');
  if (what.version !== false) cmd.option('--version <n>', 'table version (default: latest)', positiveInt);
  return cmd;
}

export function atOptions(o: AtFlags): AtOptions {
  return {
    ...(o.ref !== undefined ? { ref: o.ref } : { branch: o.branch ?? DEFAULT_BRANCH }),
    ...(o.asOf !== undefined ? { asOf: o.asOf } : {}),
    ...(o.version !== undefined ? { version: o.version } : {}),
  };
}
