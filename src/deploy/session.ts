/**
 * Browser sessions of the web console (issue 18). A browser cannot keep a bearer token safe from
 * page scripts, so `POST /api/v1/session` exchanges the token for an opaque random session id in an
 * HttpOnly, SameSite=Strict cookie (Secure under TLS) with an expiry. The sessions live only in this
 * process's memory, each holding the token it was opened with: every request made with the cookie is
 * then checked exactly as a bearer request with that token would be (revocation, expiry, scopes and
 * rate limits included), and a restart logs every browser out. Requests that change anything must
 * also carry the session's CSRF value in `x-lepton-csrf`, which a cross-site page cannot read.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LeptonError } from '../core/errors.js';

export const SESSION_COOKIE = 'lepton_session';
export const CSRF_HEADER = 'x-lepton-csrf';
/** Default session lifetime: 12 hours. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;
const MAX_SESSIONS = 10_000;

export interface Session {
  id: string;
  csrf: string;
  /** The token the session was opened with (memory only; never sent back to the browser). */
  token: string;
  /** The token's name, for the audit log. */
  name: string;
  expiresAt: number;
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The Cookie header without cookie `name` (undefined when nothing is left). */
export function withoutCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const kept = header.split(';').filter((p) => p.split('=')[0]!.trim() !== name).map((p) => p.trim()).filter((p) => p !== '');
  return kept.length === 0 ? undefined : kept.join('; ');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ttlMs = SESSION_TTL_MS, private readonly clock: () => number = Date.now) {}

  open(token: string, name: string): Session {
    this.sweep();
    // the oldest session goes first when a flood of logins would grow the map without bound
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const s: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(24).toString('base64url'), token, name, expiresAt: this.clock() + this.ttlMs };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session named by the request's cookie header, if any. */
  fromCookie(header: string | undefined): Session | undefined {
    const id = cookieValue(header, SESSION_COOKIE);
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.clock()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  /** True when `presented` is this session's CSRF value. */
  csrfOk(s: Session, presented: string | string[] | undefined): boolean {
    return typeof presented === 'string' && sameSecret(presented, s.csrf);
  }

  close(id: string): void {
    this.sessions.delete(id);
  }

  /** The Set-Cookie value that opens `s` in the browser. */
  cookie(s: Session, secure: boolean): string {
    const maxAge = Math.max(0, Math.floor((s.expiresAt - this.clock()) / 1000));
    return `${SESSION_COOKIE}=${s.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
  }

  /** The Set-Cookie value that removes the cookie. */
  static clearCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
  }

  private sweep(): void {
    const now = this.clock();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

/** What the session routes need from the security wiring. */
export interface SessionApiOptions {
  sessions: SessionStore;
  /** The principal of a bearer token (throws LEPTON_ERR_UNAUTHENTICATED for a bad one). */
  verify(token: string): Promise<{ name: string; scopes: string[] }>;
  /** The principal a request was authenticated as (read-scoped GET). */
  principalOf(req: FastifyRequest): { name: string; scopes: string[] } | undefined;
  /** Served over TLS: the cookie is Secure. */
  tls: boolean;
  /** Record a login or logout in the audit log. */
  audit(req: FastifyRequest, action: 'session.create' | 'session.remove', actor: string | undefined, ok: boolean): void;
}

/**
 * `POST /api/v1/session` {token} → the cookie and `{name, scopes, csrf, expiresAt}`; `GET` → who
 * the caller is (and the session's CSRF value after a page reload: only same-origin scripts can
 * read it); `DELETE` → logout. Console-only, so hidden from the OpenAPI document.
 */
export function registerSessionApi(app: FastifyInstance, o: SessionApiOptions): void {
  const hide = { hide: true };
  app.post('/api/v1/session', {
    config: { scope: 'public' },
    schema: { ...hide, body: { type: 'object', properties: { token: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['token'], additionalProperties: false } },
  }, async (req, reply) => {
    const { token } = req.body as { token: string };
    let who: { name: string; scopes: string[] };
    try {
      who = await o.verify(token.trim());
    } catch (err) {
      o.audit(req, 'session.create', undefined, false);
      throw err;
    }
    o.audit(req, 'session.create', who.name, true);
    const s = o.sessions.open(token.trim(), who.name);
    void reply.header('set-cookie', o.sessions.cookie(s, o.tls));
    return { name: who.name, scopes: who.scopes, csrf: s.csrf, expiresAt: new Date(s.expiresAt).toISOString() };
  });
  app.get('/api/v1/session', { config: { scope: 'read' }, schema: hide }, async (req) => {
    const who = o.principalOf(req);
    const s = req.headers.authorization === undefined ? o.sessions.fromCookie(req.headers.cookie) : undefined;
    return { name: who?.name ?? 'anonymous', scopes: who?.scopes ?? [], ...(s ? { csrf: s.csrf, expiresAt: new Date(s.expiresAt).toISOString() } : {}) };
  });
  app.delete('/api/v1/session', { config: { scope: 'public' }, schema: hide }, async (req, reply) => {
    const s = o.sessions.fromCookie(req.headers.cookie);
    if (s) {
      if (!o.sessions.csrfOk(s, req.headers[CSRF_HEADER])) throw new LeptonError('LEPTON_ERR_FORBIDDEN', `logout needs the ${CSRF_HEADER} header from login`);
      o.sessions.close(s.id);
      o.audit(req, 'session.remove', s.name, true);
    }
    return reply.code(204).header('set-cookie', SessionStore.clearCookie(o.tls)).send();
  });
}
