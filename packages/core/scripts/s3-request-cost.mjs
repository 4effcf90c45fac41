#!/usr/bin/env node
// CPU per S3 request: the AWS SDK's client against the backend's own request path
// (src/backend/s3-requests.ts: AWS's Signature V4 signer over a keep-alive node:http agent), both
// sending the same small conditional PUT (`If-None-Match: *`, 300 bytes, a fresh key each) to a fresh
// SeaweedFS started here, one at a time, turns alternating in one process. A commit on S3 is four
// such requests, which is why this figure decides commits per second on a machine the writers fill.
// Needs `pnpm build` and the venv (SeaweedFS). Usage: node packages/core/scripts/s3-request-cost.mjs [requests=1000] [rounds=3]
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startSeaweed } from '@armillaria/testkit';

import { S3Requests } from '../dist/backend/s3-requests.js';

const [n = 1000, rounds = 3] = process.argv.slice(2).map(Number);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const server = await startSeaweed();
const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
const sdk = new S3Client({ region: server.region, endpoint: server.endpoint, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
const own = new S3Requests({ endpoint: new URL(server.endpoint), region: server.region, bucket: server.bucket, pathStyle: true, credentials, maxSockets: 64, counter: {} });
const body = new Uint8Array(300).fill(7);
const ways = {
  sdk: (key) => sdk.send(new PutObjectCommand({ Bucket: server.bucket, Key: key, Body: body, IfNoneMatch: '*' })),
  own: (key) => own.send('PutObject', 'PUT', key, { 'if-none-match': '*' }, body),
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, put] of Object.entries(ways)) {
      const [c0, t0] = [cpuMs(), performance.now()];
      for (let i = 0; i < n; i++) await put(`cost/${name}-${round}/${i}`);
      console.log(`round ${round} ${name}: CPU ${((cpuMs() - c0) / n).toFixed(3)} ms, wall ${((performance.now() - t0) / n).toFixed(3)} ms per request`);
    }
  }
} finally {
  sdk.destroy();
  own.destroy();
  await server.stop();
}
