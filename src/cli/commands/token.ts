/**
 * `lep token create|list|revoke`: API tokens through the control plane's admin API (the typed
 * client). The token text is printed once at creation; the server keeps only its SHA-256 hash.
 */
import { type Command } from 'commander';
import type { TokenInfo } from '../../client/index.js';
import { parseRateLimit } from '../../secure/tokens.js';
import { DEFAULT_SERVER, withApi, type ServerFlag } from '../auth-client.js';
import { out, runCommand } from '../output.js';

const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

/** `20/s`, `5/s (default)`, `unlimited`. */
const rate = (t: TokenInfo): string => (t.rateLimit === null ? 'unlimited' : `${t.rateLimit}/s${t.rateLimitSource === 'default' ? ' (default)' : ''}`);

export function register(program: Command): void {
  const token = program.command('token').alias('tokens').description('create, list and revoke API tokens (admin)');
  const server = (c: Command): Command => c.option('--server <url>', `Lepton server (env LEPTON_SERVER, default ${DEFAULT_SERVER})`);

  server(token.command('create').description('create a token; it is printed once'))
    .requiredOption('--name <name>', 'a label shown in lists and the audit log')
    .requiredOption('--scope <s[,s]>', 'admin, deploy, read, infer:<deployment> or fl:<task> (a federated client of that task), comma separated')
    .option('--expires <duration>', 'lifetime such as 30d, 12h, 15m (default: never)')
    .option('--rate-limit <rps>', "requests/s at the gateway, or 'unlimited' (default: lep up's --rate-limit; admin tokens unlimited)")
    .option('--json', 'print JSON')
    .action((f: ServerFlag & { name: string; scope: string; expires?: string; rateLimit?: string; json?: boolean }) =>
      runCommand(async () => {
        const rateLimit = f.rateLimit === undefined ? undefined : parseRateLimit(f.rateLimit);
        const body = { name: f.name, scopes: f.scope, ...(f.expires === undefined ? {} : { expires: f.expires }), ...(rateLimit === undefined ? {} : { rateLimit }) };
        const r = await withApi(f, (api) => api.tokens.create(body));
        if (f.json) return out.json(r);
        out.info(`created token ${r.id} (${r.name}) with scopes ${r.scopes.join(',')}${r.expiresAt === null ? '' : `, expires ${when(r.expiresAt)}`}, rate limit ${rate(r)}`);
        out.info('it is shown only now: keep it somewhere safe');
        out.line(r.token);
      }),
    );

  server(token.command('list').description('list tokens (never their values)'))
    .option('--json', 'print JSON')
    .action((f: ServerFlag & { json?: boolean }) =>
      runCommand(async () => {
        const tokens = await withApi(f, (api) => api.tokens.list());
        if (f.json) return out.json(tokens);
        out.line(`${'ID'.padEnd(13)} ${'NAME'.padEnd(16)} ${'SCOPES'.padEnd(24)} ${'STATUS'.padEnd(8)} ${'EXPIRES'.padEnd(16)} ${'LAST USED'.padEnd(16)} RATE LIMIT`);
        for (const t of tokens) {
          out.line(`${t.id.padEnd(13)} ${t.name.padEnd(16)} ${t.scopes.join(',').padEnd(24)} ${t.status.padEnd(8)} ${when(t.expiresAt).padEnd(16)} ${when(t.lastUsedAt).padEnd(16)} ${rate(t)}`);
        }
      }),
    );

  server(token.command('revoke').description('revoke a token by id').argument('<id>')).action((id: string, f: ServerFlag) =>
    runCommand(async () => {
      await withApi(f, (api) => api.tokens.revoke(id));
      out.line(`revoked ${id}`);
    }),
  );
}
