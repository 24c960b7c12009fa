/**
 * How the platform starts a job's `lep` command: this very CLI, `node bin/lep.js <argv…>`. Only
 * the CLI layer may name its own binary (test/layers.test.ts), so `lep up` hands this to the jobs service.
 */
import { fileURLToPath } from 'node:url';
import { type JobLauncher } from '../jobs/types.js';

export const LEP_BIN = fileURLToPath(new URL('../../bin/lep.js', import.meta.url));

export const lepLauncher: JobLauncher = (argv) => ({ command: process.execPath, args: [LEP_BIN, ...argv] });
