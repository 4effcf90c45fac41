/**
 * Name rules for tables, branches and tags. Names become path components (refs/heads/<branch>), so
 * a bad one could escape the store; each rule has its own message.
 */
import { InvalidNameError } from '../errors.js';

export type NameKind = 'table' | 'branch' | 'tag';

const MAX_LENGTH = 200;
/** Bytes of one path segment: NAME_MAX (255) less the longest suffix the store adds (".<pid>.<nonce>.tmp", ".lock.breaker"). */
const MAX_SEGMENT_BYTES = 200;
const RESERVED = new Set(['HEAD', '.', '..']);

/** Returns `value` if it is a valid name of `kind`; otherwise throws `InvalidNameError` naming the rule. */
export function validateName(kind: NameKind, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidNameError(kind, String(value), 'must be a string');
  const fail = (rule: string): never => {
    throw new InvalidNameError(kind, value, rule);
  };
  if (value.length === 0) fail('must not be empty');
  if (value.length > MAX_LENGTH) fail(`must be at most ${MAX_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) fail('must not contain control characters');
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) fail('must not be an absolute path');
  if (value.includes('\\')) fail('must not contain "\\"');
  const parts = value.split('/');
  // Branch and tag names may be hierarchical (feature/x), as in Git; table names are flat.
  if (kind === 'table' && parts.length > 1) fail('must not contain "/"');
  for (const p of parts) {
    if (Buffer.byteLength(p) > MAX_SEGMENT_BYTES) fail(`each "/"-separated segment must be at most ${MAX_SEGMENT_BYTES} bytes in UTF-8 (this one has ${Buffer.byteLength(p)})`);
    if (p === '..' || p === '.') fail('must not contain "." or ".." path segments');
    if (p === '') fail('must not contain empty path segments ("//" or a trailing "/")');
    if (p.startsWith('.')) fail('segments must not start with "."');
    if (/\.(lock|tmp|breaker)$/.test(p)) fail('must not end in .lock, .tmp or .breaker');
  }
  if (/[\s*?:[\]^~"<>|]/.test(value)) fail('must not contain whitespace or any of * ? : [ ] ^ ~ " < > |');
  if (RESERVED.has(value)) fail(`"${value}" is reserved`);
  return value;
}
