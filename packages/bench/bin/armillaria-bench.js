#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/cli.js (built by `pnpm build`), which runs on import. The bin
// is this file, which exists before the build, so that `pnpm install` can link it without a warning.
import '../dist/cli.js';
