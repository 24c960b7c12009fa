/**
 * Composition root of the `lep` command: builds the commander program from the per-topic command
 * files and runs it. Each command file exports `register(program)`; this file only wires them.
 */
import { Command, CommanderError } from 'commander';
import { out, quietOnBrokenPipe } from './output.js';
import { LeptonError } from '../core/errors.js';

quietOnBrokenPipe();

const program = new Command();
program
  .name('lep')
  .description('Lepton TS: train, compress, package, serve and route small models at low cost.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

// Command registrations, one line per topic file.
const registrations: Array<Promise<{ register: (p: Command) => void }>> = [
  // (topic command modules are added here)
  import('./commands/train.js'),
  import('./commands/photon.js'),
  import('./commands/compress.js'),
  import('./commands/optimize.js'),
  import('./commands/ml.js'),
  import('./commands/features.js'),
  import('./commands/up.js'),
  import('./commands/job.js'),
  import('./commands/pipeline.js'),
  import('./commands/deployment.js'),
  import('./commands/token.js'),
  import('./commands/login.js'),
  import('./commands/secret.js'),
  import('./commands/key.js'),
  import('./commands/fl.js'),
  import('./commands/explain.js'),
];
for (const mod of await Promise.all(registrations)) mod.register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version end with exitCode 0; usage mistakes get exit code 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    const e = err instanceof LeptonError ? err : new LeptonError('LEPTON_ERR_INTERNAL', String(err));
    out.error(e);
    process.exitCode = 1;
  }
}
