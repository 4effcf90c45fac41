/**
 * The S3 backend: a store at `s3://bucket/prefix` on any S3-compatible object storage that honours
 * conditional writes (`If-None-Match: *` to create, `If-Match: <etag>` to replace or delete).
 *
 * ```
 *   <prefix>/armillaria.json           store marker (created with If-None-Match)
 *   <prefix>/objects/ab/cdef…          objects, as on disk; created with If-None-Match
 *   <prefix>/refs/heads/<branch>       {"commit", "stamp", "log"}: value, fence stamp, reflog
 *   <prefix>/refs/tags/<tag>
 *   <prefix>/logs/<ref>/<time>-<n>     the reflog of a deleted ref
 *   <prefix>/records/<name>            records (the gc fence)
 * ```
 *
 * Objects. A put is a PUT with `If-None-Match: *`: 200 created it (durable, as S3 acknowledges only
 * durable writes), 412 means it exists, and the put then refreshes it by copying it onto itself
 * with new metadata, which restarts its LastModified (gc's age). A lost response is harmless: the
 * retried PUT meets 412 and refreshes.
 *
 * Refs. A ref object holds its commit, a `stamp` (random per write) and its recent reflog (the
 * last LOG_ENTRIES updates; S3 has no append, and a separate object per update would cost a request
 * per commit). A swap reads the ref (value and ETag), checks the value, runs the guard, and writes
 * with `If-Match: <etag>`; 412 means someone wrote in between: read again and decide again. A
 * response lost after the write succeeded reads back as our own value, which is then success.
 *
 * ```
 *   move:    GET ref ─ value ≠ expected? ─> false
 *               │ equal: guard ─> PUT {commit: next} If-Match etag ── 412 ─> GET again
 *   create:  PUT {pending: next} If-None-Match * ── 412 ─> GET: exists ─> false; another creator's
 *               │                                       pending ref ─> wait for it, look again
 *               └─> guard ─> PUT {commit: next} If-Match pending etag
 *   delete:  PUT {no commit} If-Match etag (the delete) ─> PUT logs/<ref>/<time> (its reflog)
 *               ─> DELETE If-Match tombstone etag (cleanup; a tombstone left behind reads as no ref)
 * ```
 * The backend remembers each ref as it last read or wrote it, with its ETag: a move from that value
 * skips the GET and goes straight to the guarded PUT (412 then reads it), so a commit reads its
 * branch's ref once, when it begins, and not again to swap it; an append on a head this process
 * wrote does not read it at all (store.ts, `transactionOn`): chunk, manifest, commit, ref: 4 PUTs.
 * Each write carries a fresh `stamp`, so a 412 after a lost response is told from a lost race by
 * reading the ref back: our stamp there means our write landed.
 * A ref is created in two steps so that gc's snapshot sees it before its guard runs: the pending
 * object is listed by any snapshot that begins later, and readers treat it as absent. A creator that
 * dies leaves a pending ref that expires after PENDING_MS; the next creator takes it over.
 *
 * gc's `snapshotRefs` lists the refs and re-writes each (a new stamp, `If-Match` its ETag): the
 * ETag changes (S3's ETag is the MD5 of the body, so the stamp must change too), and a writer whose
 * swap read the ref before that gets 412 and reads again, its guard then seeing the sweep. That is
 * the linearization the port asks for (backend.ts), with conditional writes only.
 */
import { randomBytes } from 'node:crypto';

import { ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

import { InvalidArgumentError, StorageError } from '../errors.js';
import type { ObjectBackend, ObjectPutBatch, PutResult, RefLogEntry, RefVersion, StoredObject, SwapOptions } from './backend.js';
import { encodeKey, S3Requests, type S3Response } from './s3-requests.js';

/** Options of an S3 store; each falls back to the standard AWS environment variables. */
export interface S3Options {
  /** `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` when unset (an S3-compatible server's URL). */
  endpoint?: string;
  /** `AWS_REGION` / `AWS_DEFAULT_REGION`, else us-east-1. */
  region?: string;
  /** `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` when unset. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style addressing (default true: what S3-compatible servers expect). */
  forcePathStyle?: boolean;
  /** Requests in flight at once for many-object reads and writes (default 16). */
  concurrency?: number;
}

/** Reflog entries a ref object keeps. */
const LOG_ENTRIES = 200;
/**
 * A pending ref (a creation under way) older than this was left by a creator that died. A live
 * creator is two requests from done (its guard's read and the PUT), so this is generous; a creator
 * slower than that loses its ref to the next one, which is safe (its final If-Match PUT fails and it
 * reports the ref taken), while a longer window would stall every creation of that name behind a
 * crash for as long: the first commit to a store whose first committer was killed waits this out.
 */
export const PENDING_MS = 5_000;

interface RefBody {
  commit?: string;
  pending?: { commit: string; expires: number; owner: string };
  stamp: string;
  log: (RefLogEntry & { ref?: string })[];
}

interface Fetched<T> {
  body: T;
  etag: string;
}

export class S3Backend implements ObjectBackend {
  readonly durable = true;
  readonly localRoot = undefined;
  readonly bucket: string;
  readonly prefix: string;
  /** The SDK's client: listing, and the credentials provider chain. */
  private readonly client: S3Client;
  /** Every single-object request (s3-requests.ts says why not the SDK's). */
  private readonly http: S3Requests;
  private readonly concurrency: number;
  /** Requests sent, by operation (PutObject, GetObject, ...): what the harness reports. */
  readonly requests: Record<string, number> = {};
  /**
   * Each ref as this process last read or wrote it, with its ETag: a swap from that value tries that
   * ETag first, without reading the ref again (a 412 then reads it). `swapped`: that version is one a
   * guarded move of this process wrote (kept while reads find the same ETag).
   */
  private readonly known = new Map<string, Fetched<RefBody> & { swapped: boolean }>();

  constructor(readonly location: string, options: S3Options = {}) {
    const { bucket, prefix } = parseS3Url(location);
    this.bucket = bucket;
    this.prefix = prefix;
    this.concurrency = options.concurrency ?? 16;
    const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    const pathStyle = options.forcePathStyle ?? true;
    const config: S3ClientConfig = {
      region,
      forcePathStyle: pathStyle,
      // Many S3-compatible servers reject the checksums the SDK adds by default.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(endpoint ? { endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
    // The SDK warns on Node 20 about versions published after January 2027; the version pinned here
    // supports Node 20, so the warning (on every command of the CLI) says nothing about this store.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client(config);
    this.client.middlewareStack.add(
      (next, context) => (args) => {
        const op = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        this.requests[op] = (this.requests[op] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'armillariaRequestCounter' },
    );
    let url: URL;
    try {
      url = new URL(endpoint ?? `https://s3.${region}.amazonaws.com`);
    } catch {
      throw new InvalidArgumentError(`store: invalid S3 endpoint ${JSON.stringify(endpoint)} (expected a URL such as http://127.0.0.1:8333)`);
    }
    this.http = new S3Requests({
      endpoint: url,
      region,
      bucket,
      pathStyle,
      credentials: this.client.config.credentials,
      maxSockets: Math.max(this.concurrency, 64),
      counter: this.requests,
    });
  }

  // ---- objects ----

  async putObject(id: string, bytes: Uint8Array): Promise<PutResult> {
    return this.putBatch().put(id, bytes);
  }

  /** Each put is durable when it resolves (S3 acknowledges durable writes): `finish` has nothing left to do. */
  putBatch(): ObjectPutBatch {
    return {
      put: async (id, bytes) => {
        const key = this.objectKey(id);
        // A gc may delete the object between our 412 and our refresh: then it is written again.
        for (;;) {
          try {
            await this.http.send('PutObject', 'PUT', key, { 'if-none-match': '*' }, bytes);
            return { id, written: true, bytes: bytes.byteLength };
          } catch (e) {
            if (!preconditionFailed(e)) throw this.error(e, 'store object', key);
          }
          if (await this.refreshObject(id)) return { id, written: false, bytes: bytes.byteLength };
        }
      },
      finish: async () => {},
    };
  }

  async getObject(id: string): Promise<Uint8Array | undefined> {
    return this.getBytes(this.objectKey(id), 'read object');
  }

  /** The objects, fetched `concurrency` at a time; `undefined` for each one that does not exist. */
  async getObjects(ids: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return mapLimit(ids, this.concurrency, (id) => this.getObject(id));
  }

  async hasObject(id: string): Promise<boolean> {
    const key = this.objectKey(id);
    try {
      await this.http.send('HeadObject', 'HEAD', key);
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw this.error(e, 'look up object', key);
    }
  }

  /** Copies the object onto itself with new metadata: S3 gives it a new LastModified. */
  async refreshObject(id: string): Promise<boolean> {
    const key = this.objectKey(id);
    try {
      await this.http.send('CopyObject', 'PUT', key, {
        'x-amz-copy-source': `${this.bucket}/${encodeKey(key)}`,
        'x-amz-metadata-directive': 'REPLACE',
        'x-amz-meta-refreshed': new Date().toISOString(),
      });
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw this.error(e, 'refresh object', key);
    }
  }

  async *listObjects(): AsyncIterable<StoredObject> {
    for await (const o of this.list(this.key('objects/'))) {
      const rest = o.key.slice(this.key('objects/').length);
      const id = rest.replace('/', '');
      if (/^[0-9a-f]{2}\/[0-9a-f]{62}$/.test(rest)) yield { id, bytes: o.size, mtimeMs: o.mtimeMs };
    }
  }

  async deleteObject(id: string, ifOlderThanMs?: number): Promise<boolean> {
    const key = this.objectKey(id);
    try {
      // S3 answers a delete of a missing key with success: the HEAD says whether there was one (and its age).
      const head = await this.http.send('HeadObject', 'HEAD', key);
      const modified = Date.parse(head.headers['last-modified'] ?? '');
      if (ifOlderThanMs !== undefined && Date.now() - (Number.isNaN(modified) ? Date.now() : modified) <= ifOlderThanMs) return false;
      await this.http.send('DeleteObject', 'DELETE', key);
      return true;
    } catch (e) {
      if (notFound(e)) return false;
      throw this.error(e, 'delete object', key);
    }
  }

  // ---- refs ----

  async readRef(name: string): Promise<string | undefined> {
    return (await this.getRef(name))?.body.commit;
  }

  refVersion(name: string): RefVersion | undefined {
    const k = this.known.get(name);
    return k && { version: k.etag, swapped: k.swapped, value: k.body.commit };
  }

  async compareAndSwapRef(name: string, expected: string | undefined, next: string | undefined, options: SwapOptions = {}): Promise<boolean> {
    const entry = (): RefLogEntry => ({ time: new Date().toISOString(), old: expected ?? null, new: next ?? null, reason: options.reason ?? 'update' });
    if (expected === undefined) {
      if (next === undefined) throw new InvalidArgumentError('refs: a swap from nothing to nothing');
      return this.createRef(name, next, entry, options);
    }
    const cached = this.known.get(name);
    let current: Fetched<RefBody> | undefined = cached?.body.commit === expected ? cached : await this.getRef(name);
    for (;;) {
      if (current?.body.commit !== expected) {
        options.onMismatch?.(current?.body.commit);
        return false;
      }
      await options.guard?.(current.etag);
      const key = this.refKey(name);
      // A delete is a swap to a tombstone (no commit), which readers take for no ref; the object
      // goes afterwards, its reflog first moved out so that it outlives it.
      const body: RefBody = { ...(next !== undefined ? { commit: next } : {}), stamp: stamp(), log: trimLog([...current.body.log, entry()]) };
      let etag = await this.putIfMatch(key, body, current.etag);
      if (!etag) {
        const now = await this.getRef(name);
        if (now?.body.stamp !== body.stamp) {
          current = now; // someone else wrote first: decide again on what they wrote
          continue;
        }
        etag = now.etag; // ours: the response was lost
      }
      this.known.set(name, { body, etag, swapped: options.guard !== undefined && next !== undefined });
      if (next === undefined) await this.removeTombstone(name, body.log, etag);
      return true;
    }
  }

  /** Moves a deleted ref's reflog to logs/ and removes its tombstone, unless someone re-created it meanwhile. */
  private async removeTombstone(name: string, log: RefLogEntry[], etag: string): Promise<void> {
    await this.putText(this.key(`logs/${name}/${Date.now()}-${randomBytes(4).toString('hex')}`), JSON.stringify(log), 'log deleted ref');
    const key = this.refKey(name);
    await this.conditional(() => this.http.send('DeleteObject', 'DELETE', key, { 'if-match': etag }), 'delete ref', key);
  }

  /** The two-step creation (see the top of this file). */
  private async createRef(name: string, next: string, entry: () => RefLogEntry, { guard, onMismatch }: SwapOptions): Promise<boolean> {
    const key = this.refKey(name);
    const owner = randomBytes(8).toString('hex');
    for (let delay = 5; ; ) {
      const current = await this.getRef(name);
      if (current?.body.commit !== undefined) {
        onMismatch?.(current.body.commit);
        return false;
      }
      const pending = current?.body.pending;
      if (pending && pending.owner !== owner && pending.expires > Date.now()) {
        // Another creator is between its two steps: wait for its outcome (it exists, or it gave up).
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 200);
        continue;
      }
      // Absent, a tombstone (its reflog then stays with it), or a pending ref of a creator that died.
      const body: RefBody = { pending: { commit: next, expires: Date.now() + PENDING_MS, owner }, stamp: stamp(), log: current?.body.log ?? [] };
      const etag = current ? await this.putIfMatch(key, body, current.etag) : await this.putIfNoneMatch(key, body);
      if (!etag) continue; // someone else got there first: look again
      try {
        await guard?.(etag);
      } catch (e) {
        await this.http.send('DeleteObject', 'DELETE', key, { 'if-match': etag }).catch(() => undefined);
        throw e;
      }
      const done: RefBody = { commit: next, stamp: stamp(), log: trimLog([...body.log, entry()]) };
      const doneEtag = await this.putIfMatch(key, done, etag);
      if (doneEtag) {
        this.known.set(name, { body: done, etag: doneEtag, swapped: false });
        return true;
      }
      // gc re-stamped our pending ref (the fence), or we took too long and another creator took over.
      const now = await this.getRef(name);
      if (now?.body.stamp === done.stamp) return true;
      if (now?.body.pending?.owner !== owner) return false;
    }
  }

  async snapshotRefs(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const name of await this.listRefs('')) {
      for (;;) {
        const current = await this.getRef(name);
        if (!current) break;
        const commit = current.body.commit ?? current.body.pending?.commit;
        if (await this.putIfMatch(this.refKey(name), { ...current.body, stamp: stamp() }, current.etag)) {
          if (commit) out.set(name, commit); // a pending ref's commit is a root too: it is being created
          break;
        }
      }
    }
    return out;
  }

  async listRefs(prefix: string): Promise<string[]> {
    const base = this.key('refs/');
    const names: string[] = [];
    for await (const o of this.list(base + prefix)) names.push(o.key.slice(base.length));
    return names.sort();
  }

  async readRefLogs(): Promise<Map<string, RefLogEntry[]>> {
    const logs = new Map<string, RefLogEntry[]>();
    const add = (name: string, entries: RefLogEntry[]) => logs.set(name, [...(logs.get(name) ?? []), ...entries]);
    const base = this.key('logs/');
    const deleted: { name: string; key: string }[] = [];
    for await (const o of this.list(base)) deleted.push({ name: o.key.slice(base.length).replace(/\/[^/]+$/, ''), key: o.key });
    for (const d of deleted.sort((a, b) => (a.key < b.key ? -1 : 1))) {
      const text = await this.getText(d.key, 'read reflog');
      if (text !== undefined) add(d.name, parseJson<RefLogEntry[]>(text) ?? []);
    }
    for (const name of await this.listRefs('')) add(name, (await this.getRef(name))?.body.log ?? []);
    return logs;
  }

  // ---- records ----

  async readRecord(name: string): Promise<string | undefined> {
    return this.getText(this.key(`records/${name}`), `read record ${name}`);
  }

  async compareAndSwapRecord(name: string, expected: string | undefined, next: string): Promise<boolean> {
    const key = this.key(`records/${name}`);
    const current = await this.getTextWithEtag(key, `read record ${name}`);
    if (current?.body !== expected) return false;
    const put = () => this.http.send('PutObject', 'PUT', key, current ? { 'if-match': current.etag } : { 'if-none-match': '*' }, next);
    if (await this.conditional(put, `write record ${name}`, key)) return true;
    return (await this.readRecord(name)) === next; // a lost response to our own write reads back as ours
  }

  // ---- store marker and leftovers ----

  async readMarker(): Promise<string | undefined> {
    return this.getText(this.key('armillaria.json'), 'read the store marker');
  }

  async createMarker(text: string): Promise<boolean> {
    const key = this.key('armillaria.json');
    return this.conditional(() => this.http.send('PutObject', 'PUT', key, { 'if-none-match': '*' }, text), 'write the store marker', key);
  }

  /**
   * Removes pending refs left by creators that died and tombstones of deletes that were interrupted
   * (nothing else is left behind on S3).
   */
  async sweepLeftovers(olderThanMs: number): Promise<number> {
    let n = 0;
    for (const name of await this.listRefs('')) {
      const current = await this.getRef(name);
      if (!current || current.body.commit !== undefined) continue;
      const pending = current.body.pending;
      if (pending && pending.expires > Date.now() - olderThanMs) continue;
      if (pending) {
        const key = this.refKey(name);
        if (await this.conditional(() => this.http.send('DeleteObject', 'DELETE', key, { 'if-match': current.etag }), 'remove pending ref', key)) n++;
      } else {
        await this.removeTombstone(name, current.body.log, current.etag);
        n++;
      }
    }
    return n;
  }

  /** Closes the HTTP connections. Idempotent. */
  close(): void {
    this.client.destroy();
    this.http.destroy();
  }

  // ---- internals ----

  private key(rest: string): string {
    return this.prefix ? `${this.prefix}/${rest}` : rest;
  }

  private objectKey(id: string): string {
    return this.key(`objects/${id.slice(0, 2)}/${id.slice(2)}`);
  }

  private refKey(name: string): string {
    return this.key(`refs/${name}`);
  }

  private async getRef(name: string): Promise<Fetched<RefBody> | undefined> {
    const got = await this.getTextWithEtag(this.refKey(name), `read ref ${name}`);
    if (!got) {
      this.known.delete(name);
      return undefined;
    }
    const body = parseJson<RefBody>(got.body);
    if (!body || typeof body !== 'object') throw this.error(new Error('not a ref object'), 'read ref', this.refKey(name));
    const ref = { body: { ...body, log: Array.isArray(body.log) ? body.log : [] }, etag: got.etag };
    const before = this.known.get(name);
    this.known.set(name, { ...ref, swapped: before?.etag === got.etag && before.swapped });
    return ref;
  }

  /** PUT with If-Match: the new ETag, or undefined on 412. */
  private async putIfMatch(key: string, body: RefBody, etag: string): Promise<string | undefined> {
    return this.putJson(key, body, { 'if-match': etag });
  }

  private async putIfNoneMatch(key: string, body: RefBody): Promise<string | undefined> {
    return this.putJson(key, body, { 'if-none-match': '*' });
  }

  private async putJson(key: string, body: RefBody, condition: { 'if-match': string } | { 'if-none-match': '*' }): Promise<string | undefined> {
    try {
      const r = await this.http.send('PutObject', 'PUT', key, condition, JSON.stringify(body));
      return etagOf(r);
    } catch (e) {
      if (preconditionFailed(e) || ('if-match' in condition && notFound(e))) return undefined;
      throw this.error(e, 'write ref', key);
    }
  }

  private async putText(key: string, text: string, action: string): Promise<void> {
    try {
      await this.http.send('PutObject', 'PUT', key, {}, text);
    } catch (e) {
      throw this.error(e, action, key);
    }
  }

  /** Runs a conditional request: true if it succeeded, false on 412 (or 404 for a conditional delete). */
  private async conditional(send: () => Promise<unknown>, action: string, key: string): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (e) {
      if (preconditionFailed(e) || notFound(e)) return false;
      throw this.error(e, action, key);
    }
  }

  private async getBytes(key: string, action: string): Promise<Uint8Array | undefined> {
    try {
      return (await this.http.send('GetObject', 'GET', key)).body;
    } catch (e) {
      if (notFound(e)) return undefined;
      throw this.error(e, action, key);
    }
  }

  private async getText(key: string, action: string): Promise<string | undefined> {
    return (await this.getTextWithEtag(key, action))?.body;
  }

  private async getTextWithEtag(key: string, action: string): Promise<Fetched<string> | undefined> {
    try {
      const r = await this.http.send('GetObject', 'GET', key);
      return { body: r.body.toString('utf8'), etag: etagOf(r) };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw this.error(e, action, key);
    }
  }

  private async *list(prefix: string): AsyncIterable<{ key: string; size: number; mtimeMs: number }> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (e) {
        throw this.error(e, 'list', prefix);
      }
      for (const o of page.Contents ?? []) yield { key: o.Key!, size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private error(e: unknown, action: string, key: string): StorageError {
    const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode;
    const code = err.code ?? err.name ?? 'Error';
    return new StorageError(action, `s3://${this.bucket}/${key}`, status ? `HTTP ${status} ${code}` : code, err.message ?? String(e), { cause: e });
  }
}

/** `s3://bucket/prefix` split; the prefix has no leading or trailing slash. */
export function parseS3Url(location: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1]!)) {
    throw new InvalidArgumentError(`store: invalid S3 location ${JSON.stringify(location)} (expected s3://bucket/prefix, with a valid bucket name)`);
  }
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, '') };
}

function preconditionFailed(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.$metadata?.httpStatusCode === 412 || err?.name === 'PreconditionFailed' || err?.$metadata?.httpStatusCode === 409;
}

function notFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.$metadata?.httpStatusCode === 404 || err?.name === 'NoSuchKey' || err?.name === 'NotFound';
}

function etagOf(r: S3Response): string {
  return String(r.headers.etag ?? '');
}

function stamp(): string {
  return randomBytes(8).toString('hex');
}

function trimLog<T>(log: T[]): T[] {
  return log.length > LOG_ENTRIES ? log.slice(-LOG_ENTRIES) : log;
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** `fn` over `items`, at most `limit` at once; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
