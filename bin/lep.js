#!/usr/bin/env node
// The `lep` command: registers tsx so the TypeScript sources run as they are, then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
// A replica spawned by a supervisor holds its lifeline before the CLI (and any model) loads, so it
// never outlives a supervisor killed while it was still starting (src/serve/lifeline.ts).
if (process.env.LEPTON_SUPERVISOR_PID) {
  const { holdLifeline } = await import('../src/serve/lifeline.ts');
  holdLifeline((why) => {
    process.stderr.write(`${why}: supervisor gone while starting; exiting\n`);
    process.exit(0);
  });
}
await import('../src/cli/main.ts');
