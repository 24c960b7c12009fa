/**
 * How CLI commands reach the control-plane API as someone: the server (`--server`, LEPTON_SERVER),
 * the token (LEPTON_TOKEN, else the 0600 file `lep login` writes under $LEPTON_HOME), and one
 * `callApi` that sends it and maps the error envelope back to a LeptonError.
 */
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv } from '../core/config.js';
import { LeptonError, invalidArgument, type ErrorCode } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { TOKEN_PATTERN } from '../secure/tokens.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

export interface ServerFlag {
  server?: string;
}

/** The API base URL: `--server`, else LEPTON_SERVER, else the default. */
export function serverOf(f: ServerFlag): string {
  const s = f.server ?? process.env['LEPTON_SERVER'] ?? DEFAULT_SERVER;
  if (!/^https?:\/\/[^/]+/.test(s)) throw invalidArgument(`--server must be an http(s) URL, got '${s}'`);
  return s.replace(/\/+$/, '');
}

/** Where `lep login` keeps the token: `$LEPTON_HOME/token`, mode 0600. */
export function tokenFilePath(home: string = configFromEnv().home): string {
  return join(home, 'token');
}

/** Check a token's shape before storing or sending it (the server does the real check). */
export function checkTokenText(token: string): string {
  const t = token.trim();
  if (!TOKEN_PATTERN.test(t)) throw invalidArgument('that is not a Lepton token (expected lep_<id>_<secret>, as printed by lep up or lep token create)');
  return t;
}

/** Save the token for later commands; the file is created 0600 (and tightened if it existed). */
export function saveToken(token: string, home?: string): string {
  const path = tokenFilePath(home);
  writeFileAtomic(path, `${checkTokenText(token)}\n`, 0o600);
  chmodSync(path, 0o600);
  return path;
}

/** The token to send: LEPTON_TOKEN, else the login file; undefined when neither exists. */
export function loadToken(home?: string): string | undefined {
  const env = process.env['LEPTON_TOKEN'];
  if (env !== undefined && env.trim() !== '') return checkTokenText(env);
  const path = tokenFilePath(home);
  if (!existsSync(path)) return undefined;
  if ((statSync(path).mode & 0o077) !== 0) {
    throw new LeptonError('LEPTON_ERR_FORBIDDEN', `${path} is readable by other users; run 'chmod 600 ${path}' (or lep login again)`);
  }
  return checkTokenText(readFileSync(path, 'utf8'));
}

/** Call `/api/v1{path}` with the saved token; map the error envelope (or a refused connection) to a LeptonError. */
export async function callApi(f: ServerFlag, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const server = serverOf(f);
  const token = loadToken();
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let r: Response;
  try {
    r = await fetch(`${server}/api/v1${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_UPSTREAM', `cannot reach the Lepton server at ${server}: is 'lep up' running? (${(err as Error).message})`);
  }
  const json = (await r.json().catch(() => ({}))) as Record<string, unknown>;
  if (!r.ok) {
    const e = (json['error'] ?? {}) as { code?: ErrorCode; message?: string };
    let message = e.message ?? `server answered ${r.status}`;
    if (r.status === 401 && token === undefined) message += "; log in with 'lep login --token <token>' (lep up prints the admin token on its first start) or set LEPTON_TOKEN";
    throw new LeptonError(e.code ?? 'LEPTON_ERR_UPSTREAM', message);
  }
  return json;
}
