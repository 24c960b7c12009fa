#!/usr/bin/env node
// The `lep` command: runs the compiled CLI in dist/ with plain Node (no TypeScript loader, so it
// starts fast). dist/ is built by `npm run build` (also run by `npm install` through `prepare`,
// and by `npm test` and scripts/run-tests.mjs before any test, so tests never run a stale build).
// Without dist/ this says how to build it instead of falling back to tsx: one code path, never a
// silent mix of fresh sources and stale output. (Supervised replicas do not run through here: they
// start at serve/replica-main.js, which takes its lifeline before anything heavy loads.)
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('lep: the compiled CLI (dist/cli/main.js) is missing. Run `npm run build` in the lepton-ts folder first.\n');
  process.exit(1);
}
await import(main.href);
