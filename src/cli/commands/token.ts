/**
 * `lep token create|list|revoke`: API tokens through the control plane's admin API. The token text
 * is printed once at creation; the server keeps only its SHA-256 hash.
 */
import { type Command } from 'commander';
import { callApi, DEFAULT_SERVER, type ServerFlag } from '../auth-client.js';
import { out, runCommand } from '../output.js';

interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  status: string;
}

const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

export function register(program: Command): void {
  const token = program.command('token').alias('tokens').description('create, list and revoke API tokens (admin)');
  const server = (c: Command): Command => c.option('--server <url>', `Lepton server (env LEPTON_SERVER, default ${DEFAULT_SERVER})`);

  server(token.command('create').description('create a token; it is printed once'))
    .requiredOption('--name <name>', 'a label shown in lists and the audit log')
    .requiredOption('--scope <s[,s]>', 'admin, deploy, read or infer:<deployment>, comma separated')
    .option('--expires <duration>', 'lifetime such as 30d, 12h, 15m (default: never)')
    .option('--json', 'print JSON')
    .action((f: ServerFlag & { name: string; scope: string; expires?: string; json?: boolean }) =>
      runCommand(async () => {
        const body = { name: f.name, scopes: f.scope, ...(f.expires === undefined ? {} : { expires: f.expires }) };
        const r = (await callApi(f, 'POST', '/tokens', body)) as unknown as TokenView & { token: string };
        if (f.json) return out.json(r);
        out.info(`created token ${r.id} (${r.name}) with scopes ${r.scopes.join(',')}${r.expiresAt === null ? '' : `, expires ${when(r.expiresAt)}`}`);
        out.info('it is shown only now: keep it somewhere safe');
        out.line(r.token);
      }),
    );

  server(token.command('list').description('list tokens (never their values)'))
    .option('--json', 'print JSON')
    .action((f: ServerFlag & { json?: boolean }) =>
      runCommand(async () => {
        const { tokens } = (await callApi(f, 'GET', '/tokens')) as { tokens: TokenView[] };
        if (f.json) return out.json(tokens);
        out.line(`${'ID'.padEnd(13)} ${'NAME'.padEnd(16)} ${'SCOPES'.padEnd(24)} ${'STATUS'.padEnd(8)} ${'EXPIRES'.padEnd(16)} LAST USED`);
        for (const t of tokens) {
          out.line(`${t.id.padEnd(13)} ${t.name.padEnd(16)} ${t.scopes.join(',').padEnd(24)} ${t.status.padEnd(8)} ${when(t.expiresAt).padEnd(16)} ${when(t.lastUsedAt)}`);
        }
      }),
    );

  server(token.command('revoke').description('revoke a token by id').argument('<id>')).action((id: string, f: ServerFlag) =>
    runCommand(async () => {
      await callApi(f, 'DELETE', `/tokens/${encodeURIComponent(id)}`);
      out.line(`revoked ${id}`);
    }),
  );
}
