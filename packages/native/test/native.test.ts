import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { blake3 } from '@napi-rs/blake-hash';
import { describe, expect, it } from 'vitest';

import { loadNative, vectorInput } from './helpers.js';

const native = loadNative();
const isGlibc = process.platform === 'linux' && Boolean((process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);

describe('errorCodes', () => {
  it('lists every code the addon can emit, in a stable order', () => {
    expect(native.errorCodes()).toEqual([
      'ARM_CHUNK_NOT_FOUND',
      'ARM_CORRUPT_CHUNK',
      'ARM_IO',
      'ARM_PARQUET',
      'ARM_ARROW',
      'ARM_INVALID_ARGUMENT',
      'ARM_INTERNAL',
    ]);
  });
});

describe('blake3Hex', () => {
  it('matches official BLAKE3 test vectors', () => {
    const vectors: Array<[number, string]> = [
      [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
      [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213'],
      [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7'],
      [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444'],
      [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085'],
    ];
    for (const [length, hex] of vectors) expect(native.blake3Hex(vectorInput(length))).toBe(hex);
  });

  it('agrees with an independent BLAKE3 build above 1 MiB (the multithreaded path)', () => {
    for (const length of [131072, 1048577, 5 * 1024 * 1024 + 3]) {
      const input = vectorInput(length);
      expect(native.blake3Hex(input)).toBe(blake3(input).toString('hex'));
    }
  });

  it('accepts any Uint8Array view, not only Buffers', () => {
    const bytes = new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(1, 4);
    expect(native.blake3Hex(bytes)).toBe(blake3(Buffer.from([1, 2, 3])).toString('hex'));
  });
});

describe('configure and nativeInfo', () => {
  it('reports version, threads and the parquet release', () => {
    const info = native.nativeInfo();
    expect(info.version).toBe('0.1.0');
    expect(info.parquet).toBe('59.3.0');
    expect(info.threads).toBeGreaterThan(0);
  });

  it.runIf(isGlibc)('sets glibc malloc thresholds on load, unless ARMILLARIA_MALLOC=default', () => {
    expect(native.nativeInfo().malloc).toBe('glibc, mmap threshold 32 MiB, trim threshold 64 MiB');
    const addon = fileURLToPath(new URL('../index.js', import.meta.url));
    const script = `console.log(require(${JSON.stringify(addon)}).nativeInfo().malloc)`;
    const optedOut = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ARMILLARIA_MALLOC: 'default' }, encoding: 'utf8' });
    expect(optedOut).toBe('glibc defaults (ARMILLARIA_MALLOC=default)\n');
  });

  it('rejects a zero thread count', () => {
    expect(() => native.configure({ threads: 0 })).toThrow(
      expect.objectContaining({ code: 'ARM_INVALID_ARGUMENT', message: 'config: threads must be a positive integer, got 0' }),
    );
  });

  it('refuses to resize the pool once it has started', () => {
    native.blake3Hex(vectorInput(1 << 20)); // starts the pool
    const { threads } = native.nativeInfo();
    expect(() => native.configure({ threads })).not.toThrow();
    expect(() => native.configure({ threads: threads + 1 })).toThrow(
      expect.objectContaining({
        code: 'ARM_INVALID_ARGUMENT',
        message: `config: thread pool already started with ${threads} threads, cannot change it to ${threads + 1}`,
      }),
    );
  });
});
