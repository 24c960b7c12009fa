/**
 * How CLI commands reach the control-plane API as someone: the server (`--server`, LEPTON_SERVER),
 * the token (LEPTON_TOKEN, else the 0600 file `lep login` writes under $LEPTON_HOME), and one
 * `withApi` that calls the API through the typed client with them.
 */
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configFromEnv } from '../core/config.js';
import { ApiError, PlatformClient } from '../client/index.js';
import { LeptonError, invalidArgument } from '../core/errors.js';
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

/**
 * Run `fn` against the control-plane API as the saved login (the typed client, `lepton-ts/client`),
 * mapping its failures to what a CLI user can act on: a refused connection names the server, and a
 * 401 without a saved token says how to log in. No retries: a command reports what happened.
 */
export async function withApi<T>(f: ServerFlag, fn: (api: PlatformClient) => Promise<T>): Promise<T> {
  const server = serverOf(f);
  const token = loadToken();
  const api = new PlatformClient(server, { ...(token === undefined ? {} : { token }), retries: 0, timeoutMs: 30_000 });
  try {
    return await fn(api);
  } catch (err) {
    if (err instanceof ApiError) {
      if (err.httpStatus === 401 && token === undefined) {
        throw new LeptonError(err.code, `${err.message}; log in with 'lep login --token <token>' (lep up prints the admin token on its first start) or set LEPTON_TOKEN`);
      }
      throw err;
    }
    // no answer at all: refused, reset or timed out
    if (err instanceof LeptonError && (err.code === 'LEPTON_ERR_UPSTREAM' || err.code === 'LEPTON_ERR_DEADLINE_EXCEEDED')) {
      const why = err.cause instanceof Error ? err.cause.message : err.message;
      throw new LeptonError('LEPTON_ERR_UPSTREAM', `cannot reach the Lepton server at ${server}: is 'lep up' running? (${why})`);
    }
    throw err;
  }
}
