/**
 * The phase conformance suite on S3 (the SeaweedFS server of test/s3/global-setup.ts), for every
 * phase that does not map files. `mmap` is refused there, by name.
 */
import { describe, expect, inject, it } from 'vitest';

import { openStore, PHASE_ORDER } from '../../src/index.js';
import { PHASES } from '../../src/internals.js';
import { freshLocation, s3Host, s3Options } from '../s3/server.js';
import { phaseConformance } from './conformance.js';

const server = inject('s3');
const skip = server ? false : 'the S3 suites are off (ARMILLARIA_S3=off)';

for (const name of PHASE_ORDER) if (!PHASES[name].needsLocalFiles) phaseConformance(name, s3Host(server), skip);

describe.skipIf(!server)('phases on S3', () => {
  it('refuses a phase that maps files, naming the store and the phases that work there', async () => {
    const location = freshLocation(server!);
    await expect(openStore(location, { create: true, s3: s3Options(server!), phase: 'mmap' })).rejects.toMatchObject({
      code: 'ARM_INVALID_ARGUMENT',
      message: `phases: phase "mmap" maps chunk files and needs a store in a local directory; ${location} is not one (use one of sequential, batch, parallel-parse, native-parquet, pushdown)`,
    });
    const store = await openStore(location, { s3: s3Options(server!) });
    expect(store.phase).toBe('pushdown'); // what auto picks there
    await store.close();
  });
});
