/** The port's conformance suite on the S3 backend, against the SeaweedFS server of test/s3. */
import { inject } from 'vitest';

import { S3Backend } from '../../src/backend/s3-backend.js';
import { freshLocation, s3Options } from '../s3/server.js';
import { backendConformance } from './conformance.js';

const server = inject('s3');

backendConformance(
  'S3',
  server
    ? {
        async open() {
          const b = new S3Backend(freshLocation(server), s3Options(server));
          await b.createMarker('{"format": 1}\n');
          return b;
        },
        close: async (b) => (b as S3Backend).close(),
      }
    : undefined,
  server ? false : 'the S3 suites are off (ARMILLARIA_S3=off)',
);
