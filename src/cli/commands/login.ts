/**
 * `lep login --token T`: keep a token in `$LEPTON_HOME/token` (mode 0600) for the other commands,
 * after checking it against the server when one is reachable.
 */
import { type Command } from 'commander';
import { ApiError, PlatformClient } from '../../client/index.js';
import { LeptonError } from '../../core/errors.js';
import { checkTokenText, DEFAULT_SERVER, saveToken, serverOf, type ServerFlag } from '../auth-client.js';
import { out, runCommand } from '../output.js';

export function register(program: Command): void {
  program
    .command('login')
    .description('save a token for later lep commands (0600 file under $LEPTON_HOME)')
    .requiredOption('--token <token>', 'the token (from lep up or lep token create)')
    .option('--server <url>', `check it against this server (env LEPTON_SERVER, default ${DEFAULT_SERVER})`)
    .option('--no-check', 'save without asking the server')
    .action((f: ServerFlag & { token: string; check: boolean }) =>
      runCommand(async () => {
        const token = checkTokenText(f.token);
        if (f.check) {
          const server = serverOf(f);
          // any valid token passes authentication; a 403 only means it lacks the read scope
          const api = new PlatformClient(server, { token, retries: 0, timeoutMs: 10_000 });
          const reached = await api.deployments.list().then(
            () => true,
            (err: unknown) => {
              if (err instanceof ApiError) {
                if (err.httpStatus === 401) throw new LeptonError('LEPTON_ERR_UNAUTHENTICATED', `${server} does not accept this token (unknown, revoked or expired)`);
                return true;
              }
              return false; // no answer: refused, reset or timed out
            },
          );
          if (!reached) out.info(`note: ${server} is not reachable; saved without checking`);
        }
        const path = saveToken(token);
        out.line(`logged in: token saved to ${path} (mode 0600)`);
      }),
    );
}
