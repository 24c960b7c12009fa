#!/usr/bin/env node
// The `lep` command: registers tsx so the TypeScript sources run as they are, then hands over to the CLI.
// (Supervised replicas do not run through here: they start at src/serve/replica-main.ts, which
// takes its lifeline before anything heavy loads.)
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
