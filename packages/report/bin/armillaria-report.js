#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli.js (built by `pnpm build`). The bin is this file, which
// exists before the build, so that `pnpm install` can link it without a warning.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
