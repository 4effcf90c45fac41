/**
 * Which backend a store location means: `s3://bucket/prefix` is S3-compatible object storage
 * (s3-backend.ts, loaded only then: the AWS SDK costs ~100 ms to import), anything else a local
 * directory (local-backend.ts).
 */
import { resolve } from 'node:path';

import type { ObjectBackend } from './backend.js';
import { LocalBackend } from './local-backend.js';
import type { S3Options } from './s3-backend.js';

export interface BackendOptions {
  /** Local stores: fsync objects and refs before they become visible (default true). */
  fsync?: boolean;
  /** S3 stores: endpoint, region, credentials (default: the standard AWS environment variables). */
  s3?: S3Options;
}

/** True for a location that is not a local path. */
export function isObjectStoreUrl(location: string): boolean {
  return /^s3:\/\//i.test(location);
}

/** The backend of the store at `location`; touches nothing yet. */
export async function openBackend(location: string, options: BackendOptions = {}): Promise<ObjectBackend> {
  if (isObjectStoreUrl(location)) {
    const { S3Backend } = await import('./s3-backend.js');
    return new S3Backend(location, options.s3);
  }
  return new LocalBackend(resolve(location), { fsync: options.fsync ?? true });
}
