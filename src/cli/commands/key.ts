/**
 * `lep key rotate`: ask the running platform to rewrap every photon archive's and secret's data key
 * under a new master key (the data itself is not re-encrypted), then retire the old key.
 */
import { type Command } from 'commander';
import { DEFAULT_SERVER, withApi, type ServerFlag } from '../auth-client.js';
import { out, runCommand } from '../output.js';

export function register(program: Command): void {
  const key = program.command('key').description('master key management (admin)');
  key
    .command('rotate')
    .description('new master key; rewrap the per-object keys of photons and secrets')
    .option('--server <url>', `Lepton server (env LEPTON_SERVER, default ${DEFAULT_SERVER})`)
    .action((f: ServerFlag) =>
      runCommand(async () => {
        const r = await withApi(f, (api) => api.keys.rotate());
        out.line(`master key rotated to ${r.keyId}: rewrapped ${r.photons} photon archive(s) and ${r.secrets} secret(s)`);
      }),
    );
}
