/**
 * Composition root of the `lep` command: builds the commander program and runs it. Each command
 * file exports `register(program)`; only the file of the command being run is imported (the table
 * is command-index.ts), so `lep --version` and `lep --help` load no engine, server or native
 * binding, and each command pays only for what it uses (issue 12). Help and unknown-command
 * errors list every command from the table's summaries.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { out, quietOnBrokenPipe } from './output.js';
import { LeptonError } from '../core/errors.js';
import { COMMANDS, commandWord, findCommand } from './command-index.js';

quietOnBrokenPipe();

// The version shipped in package.json (two folders up from both src/cli and dist/cli).
const VERSION = String((createRequire(import.meta.url)('../../package.json') as { version?: unknown }).version ?? '0.0.0');

const program = new Command();
program
  .name('lep')
  .description('Lepton TS: train, compress, package, serve and route small models at low cost.')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

try {
  const chosen = findCommand(commandWord(process.argv.slice(2)));
  for (const entry of COMMANDS) {
    if (entry === chosen) (await entry.load()).register(program);
    else program.command(entry.name).aliases([...(entry.aliases ?? [])]).description(entry.summary);
  }
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
