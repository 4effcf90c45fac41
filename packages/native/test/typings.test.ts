import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { loadNative } from './helpers.js';

describe('index.d.ts', () => {
  it('matches the snapshot (an API change must update it deliberately: vitest -u)', async () => {
    const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8');
    await expect(dts).toMatchFileSnapshot('./__snapshots__/index.d.ts.snap');
  });

  it('declares every function the loader exports', () => {
    const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8');
    const declared = [...dts.matchAll(/export declare (?:function|const) (\w+)/g)].map((m) => m[1]!);
    const runtime = Object.keys(loadNative());
    expect(runtime).toEqual(expect.arrayContaining(declared));
    // napi-rs also registers the async task structs and the string enum object at runtime; they
    // are not part of the typed API (ChunkPutStream is declared, as a class). A new name here means
    // an undeclared export crept in.
    const extras = runtime.filter((name) => !declared.includes(name)).sort();
    expect(extras).toEqual([
      'ChunkPutStream', 'Compression', 'DecodeChunksTask', 'EncodeChunksTask', 'FinishPutsTask', 'GetChunksIntoTask',
      'GetChunksTask', 'MapChunksIntoTask', 'MapChunksTask', 'PutChunksTask', 'ReadTableTask', 'UnmapChunksTask', 'WriteTableTask',
    ]);
  });
});
