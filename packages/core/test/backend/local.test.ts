/** The port's conformance suite on the local directory backend, and on the addon's objects in it. */
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { objectPath } from '../../src/backend/layout.js';
import { LocalBackend } from '../../src/backend/local-backend.js';
import type { ObjectBackend, PutResult } from '../../src/backend/backend.js';
import { nativeBinding } from '../../src/phases/native-binding.js';
import { isArmillariaError, nativeStatus } from '../../src/index.js';
import { backendConformance, type BackendFixture } from './conformance.js';

const local = (wrap: (b: LocalBackend) => ObjectBackend = (b) => b): BackendFixture => ({
  async open() {
    const dir = await mkdtemp(join(tmpdir(), 'armillaria-port-'));
    const b = new LocalBackend(dir, { fsync: false });
    await b.createMarker('{"format": 1}\n');
    return wrap(b);
  },
  async age(b, id, ms) {
    const then = new Date(Date.now() - ms);
    await utimes(objectPath(b.localRoot!, id), then, then);
  },
  close: (b) => rm(b.localRoot!, { recursive: true, force: true }),
});

backendConformance('local directory', local());

/**
 * The addon's object writer and reader (layout.rs, batch.rs) in place of the TypeScript ones: the
 * native phases' own half of the port, held to the same rules. Refs and records stay TypeScript's.
 */
function nativeObjects(b: LocalBackend): ObjectBackend {
  const native = nativeBinding('the port conformance suite');
  const root = b.localRoot;
  const put = async (id: string, bytes: Uint8Array): Promise<PutResult> => {
    const [r] = await native.putChunks(root, [bytes], false);
    if (r!.id !== id) throw new Error(`the addon named ${id} ${r!.id}`);
    return { id, written: r!.written, bytes: r!.bytes };
  };
  const getOne = async (id: string) => {
    try {
      return (await native.mapChunks(root, [id], { verify: false }))[0];
    } catch (e) {
      if (isArmillariaError(e) && e.code === 'ARM_CHUNK_NOT_FOUND') return undefined;
      throw e;
    }
  };
  return Object.assign(Object.create(b) as LocalBackend, {
    putObject: put,
    putBatch: () => ({ put, finish: async () => {} }),
    getObject: getOne,
    getObjects: (ids: readonly string[]) => Promise.all(ids.map(getOne)),
  });
}

backendConformance('local directory, objects by the addon', local(nativeObjects), nativeStatus().available ? false : 'the addon is not available');
