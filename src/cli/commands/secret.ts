/**
 * `lep secret set|list|remove`: secrets in the platform's encrypted vault (admin). A value is read
 * from stdin or a hidden prompt, never from argv (which other users can see in `ps`). Calls go
 * through the typed client.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { type Command } from 'commander';
import { invalidArgument } from '../../core/errors.js';
import { validateName } from '../../secure/names.js';
import { DEFAULT_SERVER, withApi, type ServerFlag } from '../auth-client.js';
import { out, runCommand } from '../output.js';

const MAX_SECRET = 64 * 1024;

/** Read the whole of stdin (piped), at most MAX_SECRET bytes; one trailing newline is dropped. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    size += (c as Buffer).length;
    if (size > MAX_SECRET) throw invalidArgument(`secret value is larger than ${MAX_SECRET} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Prompt on the terminal without echoing what is typed. */
function promptHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

export function register(program: Command): void {
  const secret = program.command('secret').alias('secrets').description('manage secrets passed to deployments as env vars (admin)');
  const server = (c: Command): Command => c.option('--server <url>', `Lepton server (env LEPTON_SERVER, default ${DEFAULT_SERVER})`);

  server(secret.command('set').description('set a secret; the value comes from stdin or a hidden prompt').argument('<name>')).action((name: string, f: ServerFlag) =>
    runCommand(async () => {
      validateName('secret', name);
      const value = process.stdin.isTTY ? await promptHidden(`value for ${name}: `) : await readStdin();
      if (value.length === 0) throw invalidArgument('the secret value is empty');
      await withApi(f, (api) => api.secrets.set(name, value));
      out.line(`secret ${name} set`);
    }),
  );

  server(secret.command('list').description('list secret names (never values)'))
    .option('--json', 'print JSON')
    .action((f: ServerFlag & { json?: boolean }) =>
      runCommand(async () => {
        const secrets = await withApi(f, (api) => api.secrets.list());
        if (f.json) return out.json(secrets);
        out.line(secrets.length === 0 ? 'no secrets' : secrets.join('\n'));
      }),
    );

  server(secret.command('remove').description('remove a secret').argument('<name>')).action((name: string, f: ServerFlag) =>
    runCommand(async () => {
      const checked = validateName('secret', name);
      await withApi(f, (api) => api.secrets.remove(checked));
      out.line(`removed secret ${name}`);
    }),
  );
}
