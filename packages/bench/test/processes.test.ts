import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tableFromArrays, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';

import { writeWriterRows } from '../src/workers/processes.js';

describe('writeWriterRows', () => {
  it('gives each writer its own consecutive run of the rows, so that no two commits append the same rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'writer-rows-'));
    const rows = tableFromArrays({ id: Int32Array.from({ length: 40 }, (_, i) => i) });
    const paths = writeWriterRows(rows, 4, (i) => join(dir, `w${i}.arrow`));
    const ids = paths.map((p) => [...tableFromIPC(readFileSync(p)).getChild('id')!].map(Number));
    expect(ids).toEqual([0, 1, 2, 3].map((w) => Array.from({ length: 10 }, (_, i) => w * 10 + i)));
  });
});
