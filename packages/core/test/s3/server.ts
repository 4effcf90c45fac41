/**
 * The S3 server the core tests run against (started by global-setup.ts), a client for it, and the
 * capability probe: a server that ignores conditional writes would let two writers both win a
 * compare-and-swap, so the suites refuse to run on one.
 */
import { randomBytes } from 'node:crypto';

// The SDK warns on Node 20 about its releases after January 2027; the pinned version supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { parseS3Url, type S3Options } from '../../src/backend/s3-backend.js';
import { openStore, type Store } from '../../src/index.js';
import type { StoreHost } from '../helpers.js';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What `openStore` takes to reach the server. */
export function s3Options(server: S3TestServer): S3Options {
  return { endpoint: server.endpoint, region: server.region, credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey } };
}

/** A raw client, for what a store would never do (damaging objects, checking conditions). */
export function rawClient(server: S3TestServer): S3Client {
  return new S3Client({ ...s3Options(server), forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

/** A fresh store location on the server. */
export function freshLocation(server: S3TestServer): string {
  return `s3://${server.bucket}/test-${randomBytes(6).toString('hex')}`;
}

/**
 * Fails unless the server refuses `If-None-Match: *` on an existing key and `If-Match` with a wrong
 * ETag (412 both), and lets exactly one of 8 concurrent conditional creates of one fresh key win, in
 * each of 20 rounds. The rounds (a key each) run at once: SeaweedFS answers the losers of one key's
 * race one by one, about a second apart, so 20 rounds one after another took 104 s. Eight racers is
 * the most the process suites put on one key; with 16, SeaweedFS 4.48 let two win in about one run
 * of ten on a quiet machine (its conditional check holds a lock with a 5 s lifetime, seaweedfs#8801,
 * which, we believe, 16 losers answered a second apart outlive).
 */
const RACERS = 8;
const ROUNDS = 20;

export async function probeConditionalWrites(server: S3TestServer): Promise<void> {
  const s3 = rawClient(server);
  const Bucket = server.bucket;
  const key = `probe-${randomBytes(6).toString('hex')}`;
  const status = (p: Promise<unknown>) => p.then(() => 200, (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode ?? 0);
  try {
    await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'a', IfNoneMatch: '*' }));
    const again = await status(s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'b', IfNoneMatch: '*' })));
    const wrong = await status(s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'c', IfMatch: '"0123456789abcdef0123456789abcdef"' })));
    if (again !== 412 || wrong !== 412) throw new Error(`the S3 server at ${server.endpoint} ignores conditional writes (If-None-Match on an existing key: ${again}, If-Match with a wrong ETag: ${wrong}; both must be 412)`);
    const rounds = await Promise.all(
      Array.from({ length: ROUNDS }, async (_, round) => {
        const k = `${key}-race-${round}`;
        const results = await Promise.all(Array.from({ length: RACERS }, (_, i) => status(s3.send(new PutObjectCommand({ Bucket, Key: k, Body: String(i), IfNoneMatch: '*' })))));
        await s3.send(new DeleteObjectCommand({ Bucket, Key: k }));
        return results;
      }),
    );
    rounds.forEach((results, round) => {
      const wins = results.filter((r) => r === 200).length;
      if (wins !== 1) throw new Error(`the S3 server at ${server.endpoint} let ${wins} of ${RACERS} concurrent conditional creates of one key win (round ${round}: ${results.join(' ')})`);
    });
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket, Key: key })).catch(() => undefined);
    s3.destroy();
  }
}

/** Stores on the S3 server, each under a fresh prefix, for suites that run on every host. */
export function s3Host(server: S3TestServer | null): StoreHost {
  const key = (store: Store, id: string) => {
    const { prefix } = parseS3Url(store.path);
    return `${prefix}/objects/${id.slice(0, 2)}/${id.slice(2)}`;
  };
  const client = () => rawClient(server!);
  return {
    name: 's3',
    async withStore(fn, options) {
      const store = await openStore(freshLocation(server!), { create: true, s3: s3Options(server!), ...options });
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    },
    async readObject(store, id) {
      const s3 = client();
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: server!.bucket, Key: key(store, id) }));
        return Buffer.from(await r.Body!.transformToByteArray());
      } finally {
        s3.destroy();
      }
    },
    async writeObject(store, id, bytes) {
      const s3 = client();
      await s3.send(new PutObjectCommand({ Bucket: server!.bucket, Key: key(store, id), Body: bytes })).finally(() => s3.destroy());
    },
    async removeObject(store, id) {
      const s3 = client();
      await s3.send(new DeleteObjectCommand({ Bucket: server!.bucket, Key: key(store, id) })).finally(() => s3.destroy());
    },
  };
}
