// The console's one way to the control plane: relative URLs (so a proxy prefix works), the session
// cookie sent by the browser, and the CSRF header on every change (the server refuses a cookie
// change without it).
let csrf: string | undefined;

export function setCsrf(v: string | undefined): void {
  csrf = v;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export async function call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf !== undefined) headers['x-lepton-csrf'] = csrf;
  const r = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!r.ok) {
    let code = 'LEPTON_ERR_HTTP';
    let message = `${r.status} ${r.statusText}`;
    try {
      const j = (await r.json()) as { error?: { code?: string; message?: string } };
      code = j.error?.code ?? code;
      message = j.error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(r.status, code, message);
  }
  return r;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await call(method, path, body);
  return (r.status === 204 ? undefined : await r.json()) as T;
}

export interface Me { name: string; scopes: string[]; csrf?: string }

export const canDeploy = (me: Me): boolean => me.scopes.includes('admin') || me.scopes.includes('deploy');
export const isAdmin = (me: Me): boolean => me.scopes.includes('admin');

export interface HistoryPoint {
  t: number; rps: number; errors4xx: number; errors5xx: number; p50: number | null; p95: number | null; p99: number | null;
  inFlight: number; queued: number; desired: number; ready: number;
}

export interface Deployment {
  spec: { name: string; photon: string; replicas?: number };
  status: { phase: string; desiredReplicas: number; readyReplicas: number; photon: string; message: string };
  endpoint: string;
}
