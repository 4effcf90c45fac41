/**
 * Benchmarks on S3-compatible object storage (`--storage s3`): one SeaweedFS server (from
 * @armillaria/testkit) for the whole run on this machine, shared by both engines, each under a
 * prefix of its own. Results carry the variant `s3` and `config.storage: 's3'`, so the report shows
 * them as rows of their own and the regression gate never compares them with local ones.
 */
import { startSeaweed, type SeaweedServer } from '@armillaria/testkit';

/** Where an engine keeps its tables on the server. */
export interface S3Place {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix of this engine's tables (no leading or trailing slash). */
  prefix: string;
}

export type StorageKind = 'local' | 's3';

/** The variant S3 results carry (after the case's own, if any). */
export const S3_VARIANT = 's3';

export function withS3Variant(variant: string | undefined): string {
  return variant ? `${variant} ${S3_VARIANT}` : S3_VARIANT;
}

/** Starts the run's server; `place(prefix)` then gives each engine its own part of the bucket. */
export async function startObjectStorage(): Promise<{ server: SeaweedServer; place(prefix: string): S3Place }> {
  const server = await startSeaweed({ bucket: 'armillaria-bench' });
  return {
    server,
    place: (prefix) => ({ endpoint: server.endpoint, bucket: server.bucket, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, prefix }),
  };
}
