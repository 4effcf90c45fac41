/**
 * The S3 backend's single-object requests (PUT, GET, HEAD, DELETE, copy onto itself): the requests
 * of every commit and every read. Each is signed with AWS's own Signature V4 signer
 * (`@smithy/signature-v4`, payload hash included, as the SDK signs) and sent over one keep-alive
 * `node:http(s)` agent.
 *
 * Why not the SDK's client for these: its request pipeline (schemas, middleware, retry bookkeeping)
 * costs about 1.6 ms of CPU per request against 0.4 ms here (`scripts/s3-request-cost.mjs`), and a
 * commit is four requests, so on a machine the writers saturate it decided the commits per second.
 * The SDK stays for what is rare and needs its parsers: listing (XML pages), and resolving
 * credentials through the standard provider chain, which signs these requests too.
 *
 * Errors carry the SDK's shape (`name` = S3's error code, `$metadata.httpStatusCode`), so the backend
 * reads both alike. Transient failures (a connection reset, 500, 502, 503, 504) are retried as the SDK
 * retries them, three attempts in all with jittered backoff; the backend's protocol makes a retried
 * conditional request safe (a PUT that landed before its response was lost answers 412 and is read
 * back, see s3-backend.ts).
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

import { SignatureV4 } from '@smithy/signature-v4';

/** An S3 error response, shaped as the SDK's errors are. */
export class S3RequestError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = code;
    this.$metadata = { httpStatusCode: status };
  }
}

export interface S3Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface S3RequestsConfig {
  /** The server's base URL (`https://s3.<region>.amazonaws.com` for AWS). */
  endpoint: URL;
  region: string;
  bucket: string;
  /** `/bucket/key` paths; otherwise `bucket.host/key`. */
  pathStyle: boolean;
  credentials: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  /** Sockets kept per server (requests beyond it queue). */
  maxSockets: number;
  /** Requests sent, by operation name: incremented here. */
  counter: Record<string, number>;
}

const ATTEMPTS = 3;
const RETRY_STATUS = new Set([500, 502, 503, 504]);

/** SHA-256 and HMAC-SHA-256 for the signer, from node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : new Uint8Array(secret as ArrayBuffer));
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

export class S3Requests {
  private readonly signer: SignatureV4;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  /** Whom to connect to, and the Host header (with the port, if any). */
  private readonly hostname: string;
  private readonly host: string;
  private readonly base: string;

  constructor(private readonly config: S3RequestsConfig) {
    const { endpoint, region, bucket, pathStyle, credentials, maxSockets } = config;
    this.signer = new SignatureV4({ service: 's3', region, credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: true });
    const secure = endpoint.protocol === 'https:';
    this.transport = secure ? https : http;
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets });
    this.hostname = pathStyle ? endpoint.hostname : `${bucket}.${endpoint.hostname}`;
    this.host = endpoint.port ? `${this.hostname}:${endpoint.port}` : this.hostname;
    this.base = `${endpoint.pathname.replace(/\/+$/, '')}${pathStyle ? `/${bucket}` : ''}`;
  }

  /**
   * Sends one request for `key` and returns the response, or throws S3RequestError for any status
   * outside 2xx (after retrying transient ones). `op` names it in the request counter.
   */
  async send(op: string, method: string, key: string, headers: Record<string, string> = {}, body?: Uint8Array | string): Promise<S3Response> {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    for (let attempt = 1; ; attempt++) {
      this.config.counter[op] = (this.config.counter[op] ?? 0) + 1;
      let response: S3Response;
      try {
        response = await this.once(method, key, headers, payload);
      } catch (e) {
        if (attempt >= ATTEMPTS) throw e;
        await backoff(attempt);
        continue;
      }
      if (response.status >= 200 && response.status < 300) {
        // A copy reports a failure that came after its 200 in the body.
        if (op === 'CopyObject' && response.body.includes('<Error>')) throw errorOf(500, response.body);
        return response;
      }
      if (!RETRY_STATUS.has(response.status) || attempt >= ATTEMPTS) throw errorOf(response.status, response.body);
      await backoff(attempt);
    }
  }

  /** Closes the kept-alive connections. */
  destroy(): void {
    this.agent.destroy();
  }

  private async once(method: string, key: string, headers: Record<string, string>, body: Uint8Array | undefined): Promise<S3Response> {
    const path = `${this.base}/${encodeKey(key)}`;
    const signed = await this.signer.sign({
      method,
      protocol: this.config.endpoint.protocol,
      hostname: this.hostname,
      path,
      query: {},
      headers: { ...headers, host: this.host, ...(body ? { 'content-length': String(body.byteLength) } : {}) },
      ...(body ? { body } : {}),
    });
    return new Promise((resolve, reject) => {
      const request = this.transport.request(
        { agent: this.agent, method, hostname: this.hostname, port: this.config.endpoint.port, path, headers: signed.headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}

/** A key as S3 expects it in the path: each segment percent-encoded (RFC 3986), slashes kept. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** The error an S3 error response describes (`<Code>`, `<Message>`); a bodiless one (HEAD) by its status. */
function errorOf(status: number, body: Buffer): S3RequestError {
  const text = body.toString('utf8');
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  const code = field('Code') ?? (status === 404 ? 'NotFound' : status === 412 ? 'PreconditionFailed' : `HTTP${status}`);
  return new S3RequestError(status, code, field('Message') ?? `HTTP ${status}`);
}

async function backoff(attempt: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.random() * 100 * 2 ** attempt));
}
