/** The S3 request path against a scripted loopback HTTP server: retries, errors, key encoding, signing. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { S3RequestError, S3Requests } from '../../src/backend/s3-requests.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A server that answers the n-th request with `answers[n]` (status, body), or drops the connection for 'reset'. */
async function scripted(answers: ([number, string] | 'reset')[]): Promise<{ server: Server; url: URL; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const answer = answers[seen.length - 1] ?? [200, ''];
      if (answer === 'reset') return req.socket.destroy();
      res.writeHead(answer[0], { etag: '"e1"' }).end(answer[1]);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), seen };
}

const servers: Server[] = [];
const clients: S3Requests[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.destroy());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function setup(answers: ([number, string] | 'reset')[]) {
  const s = await scripted(answers);
  servers.push(s.server);
  const counter: Record<string, number> = {};
  const requests = new S3Requests({ endpoint: s.url, region: 'us-east-1', bucket: 'b', pathStyle: true, credentials: { accessKeyId: 'k', secretAccessKey: 's' }, maxSockets: 4, counter });
  clients.push(requests);
  return { ...s, requests, counter };
}

const xmlError = (code: string, message: string) => `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

describe('S3Requests', () => {
  it('signs each request and sends the key percent-encoded segment by segment', async () => {
    const { requests, seen, url } = await setup([[200, 'hello']]);
    const r = await requests.send('GetObject', 'GET', "p/refs/heads/feature/é+#%&=(x)!@'");
    expect(r.body.toString()).toBe('hello');
    expect(r.headers.etag).toBe('"e1"');
    expect(seen[0]!.url).toBe('/b/p/refs/heads/feature/%C3%A9%2B%23%25%26%3D%28x%29%21%40%27');
    expect(seen[0]!.headers.host).toBe(`127.0.0.1:${url.port}`);
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=k\/\d{8}\/us-east-1\/s3\/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/);
  });

  it('signs the payload and sends the conditions it is given', async () => {
    const { requests, seen } = await setup([[200, '']]);
    await requests.send('PutObject', 'PUT', 'k', { 'if-none-match': '*' }, 'abc');
    expect(seen[0]).toMatchObject({ method: 'PUT', body: 'abc', headers: { 'if-none-match': '*', 'content-length': '3' } });
    // sha256("abc")
    expect(seen[0]!.headers['x-amz-content-sha256']).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('retries a transient failure (503, a dropped connection) and counts every request sent', async () => {
    const { requests, seen, counter } = await setup([[503, xmlError('SlowDown', 'reduce your request rate')], 'reset', [200, 'ok']]);
    expect((await requests.send('GetObject', 'GET', 'k')).body.toString()).toBe('ok');
    expect(seen).toHaveLength(3);
    expect(counter).toEqual({ GetObject: 3 });
  });

  it('gives up after three attempts with the last error', async () => {
    const { requests, seen } = await setup([[500, xmlError('InternalError', 'one')], [500, xmlError('InternalError', 'two')], [503, xmlError('SlowDown', 'three')]]);
    const e = await requests.send('GetObject', 'GET', 'k').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(S3RequestError);
    expect(e).toMatchObject({ name: 'SlowDown', message: 'three', $metadata: { httpStatusCode: 503 } });
    expect(seen).toHaveLength(3);
  });

  it('reports other errors at once, by S3 error code, or by status when the body has none (HEAD)', async () => {
    const { requests, seen } = await setup([[404, xmlError('NoSuchKey', 'The specified key does not exist.')], [412, ''], [404, '']]);
    await expect(requests.send('GetObject', 'GET', 'k')).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    await expect(requests.send('PutObject', 'PUT', 'k', { 'if-match': '"x"' }, 'a')).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    await expect(requests.send('HeadObject', 'HEAD', 'k')).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    expect(seen).toHaveLength(3);
  });

  it('takes a copy whose 200 carries an error in its body for a failure', async () => {
    const { requests } = await setup([[200, xmlError('InternalError', 'copy failed')], [200, xmlError('InternalError', 'copy failed')], [200, xmlError('InternalError', 'copy failed')]]);
    await expect(requests.send('CopyObject', 'PUT', 'k', { 'x-amz-copy-source': 'b/k' })).rejects.toMatchObject({ name: 'InternalError', message: 'copy failed' });
  });
});
