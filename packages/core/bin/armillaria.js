#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli/main.js (built by `pnpm build`).
import { main } from '../dist/cli/main.js';

// A reader that stops early (`armillaria log | head`) closes the pipe: stop quietly, as git does.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv);
