/**
 * The platform's security wiring (src/secure is the library; this is where it meets the front door
 * and gateway): token checks with the scope the matched route declares (route-scope.ts), security
 * headers and CORS, the audit log of every control-plane change and refusal, and the gateway's
 * access check, rate-limited per token at that token's own limit. The web console's browsers sign in
 * with a session cookie (session.ts): a request without an Authorization header but with a live
 * session is checked as a bearer request with the session's token, and one that changes anything
 * needs the session's CSRF header as well.
 */
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { LeptonError, toLeptonError } from '../core/errors.js';
import type { PreHandler } from '../gateway/gateway.js';
import { AccessControl, type Requirement } from '../secure/access.js';
import { AuditLog } from '../secure/audit.js';
import { authChallengeHeaders, corsHeaders, securityHeaders } from '../secure/headers.js';
import { TokenBucketLimiter } from '../secure/rate-limit.js';
import { inferScope } from '../secure/scopes.js';
import { FileSecretStorage, SecretVault } from '../secure/secrets.js';
import { ensureAdminToken, verifyBearer, type Principal } from '../secure/tokens.js';
import type { KeyRing } from './keyring.js';
import { isRouteScope, matchedScope, type RouteScope } from './route-scope.js';
import { CSRF_HEADER, SESSION_COOKIE, SessionStore, withoutCookie, type SessionApiOptions } from './session.js';
import { SqliteTokenStore } from './token-store-sqlite.js';
import type { Store } from './store.js';

export interface RateLimitSetting {
  /** Burst size. */
  capacity: number;
  refillPerSecond: number;
}

export interface PlatformSecurityOptions {
  /** `lep up --insecure-local`: loopback callers without a token act as admin. Default false. */
  insecureLocal?: boolean;
  /** Master keys (encryption at rest and secrets). None = no encryption, no secrets. */
  keys?: KeyRing;
  /**
   * Gateway rate limit of a non-admin token that has no limit of its own (`lep up --rate-limit`).
   * Default 1000 burst, 500/s; `false` = such tokens are unlimited. A token's own limit always
   * applies; an admin token without one is never limited.
   */
  rateLimit?: RateLimitSetting | false;
  /** Anonymous calls to public deployments, per peer address. Default 200 burst, 100/s. */
  anonymousRateLimit?: RateLimitSetting | false;
  /** Exact allowed CORS origins; empty (default) = CORS off. */
  corsOrigins?: string[];
  /** Served over TLS (adds HSTS). */
  tls?: boolean;
}

const API = '/api/v1';
const principals = new WeakMap<object, Principal>();

/** One entry of the front door's route table, as seen when the route was registered. */
export interface ScopedRoute {
  method: string;
  url: string;
  scope: RouteScope;
}

/** The audit action of a control-plane call (`deployment.update`, `token.read`…), from method and route pattern. */
export function auditAction(method: string, route: string | undefined, url: string): string {
  const path = route ?? url.split('?')[0]!;
  const rel = path.startsWith(`${API}/`) ? path.slice(API.length + 1) : path.slice(1);
  const parts = rel.split('/').filter((p) => p !== '' && !p.startsWith(':'));
  const noun = (parts[0] ?? 'unknown').replace(/s$/, '').replace(/[^a-z0-9-]/g, '') || 'unknown';
  if (noun === 'key') return 'key.rotate';
  const verb = method === 'POST' ? 'create' : method === 'PATCH' ? 'update' : method === 'PUT' ? 'set' : method === 'DELETE' ? 'remove'
    : method === 'GET' || method === 'HEAD' ? 'read' : 'call';
  return `${noun}.${verb}`;
}

/** The principal a request was authenticated as (undefined before auth or for public calls). */
export function principalOf(req: FastifyRequest | IncomingMessage): Principal | undefined {
  return principals.get(req);
}

export class PlatformSecurity {
  readonly tokens: SqliteTokenStore;
  readonly audit: AuditLog;
  readonly api: AccessControl;
  readonly gateway: AccessControl;
  readonly keys: KeyRing | undefined;
  /** Requests/s of a non-admin token without a limit of its own; null = unlimited. */
  readonly defaultRateLimit: number | null;
  /** The route table of every app this was installed on, with each route's declared scope. */
  readonly routes: ScopedRoute[] = [];
  /** Console sessions (cookie → token), memory only. */
  readonly sessions = new SessionStore();
  private vaultCache: { keyId: string; prev: number; vault: SecretVault } | undefined;

  constructor(readonly home: string, store: Store, readonly options: PlatformSecurityOptions = {}) {
    this.tokens = new SqliteTokenStore(store.db);
    this.audit = new AuditLog(join(home, 'audit.log'));
    this.keys = options.keys;
    const insecureLocal = options.insecureLocal === true;
    this.api = new AccessControl({ store: this.tokens, insecureLocal });
    const tokenDefault = options.rateLimit === false ? null : (options.rateLimit ?? { capacity: 1000, refillPerSecond: 500 });
    this.defaultRateLimit = tokenDefault?.refillPerSecond ?? null;
    // one bucket per token; each check sizes it from that token's own limit or the default
    const tokenLimits = { limiter: new TokenBucketLimiter(tokenDefault ?? { capacity: 1, refillPerSecond: 1 }), default: tokenDefault };
    const anonSetting = options.anonymousRateLimit === false ? undefined : (options.anonymousRateLimit ?? { capacity: 200, refillPerSecond: 100 });
    const anon = anonSetting && new TokenBucketLimiter(anonSetting);
    this.gateway = new AccessControl({ store: this.tokens, insecureLocal, tokenLimits, ...(anon ? { anonymousLimiter: anon } : {}) });
  }

  /** First start: create the admin token. Returns its text (print once, never log) or undefined. */
  async bootstrap(): Promise<string | undefined> {
    return (await ensureAdminToken(this.tokens))?.token;
  }

  /** The secrets vault under the current keys (rebuilt after a rotation). */
  vault(): SecretVault {
    const ring = this.keys;
    if (!ring) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'secrets need a master key (LEPTON_MASTER_KEY or $LEPTON_HOME/master.key)');
    if (this.vaultCache?.keyId !== ring.current.id || this.vaultCache.prev !== ring.previous.length) {
      const vault = new SecretVault(new FileSecretStorage(join(this.home, 'secrets')), { key: ring.current, previousKeys: ring.previous });
      this.vaultCache = { keyId: ring.current.id, prev: ring.previous.length, vault };
    }
    return this.vaultCache.vault;
  }

  /**
   * Fastify hooks. Every route must declare its scope (a route without one fails to register, and
   * one registered before these hooks is refused when called); the token check runs in onRequest,
   * which fastify runs after routing and before the body is read, against the scope of the route
   * that matched; then security headers, CORS, and the audit log of changes and refusals.
   */
  install(app: FastifyInstance): void {
    const cors = { allowedOrigins: this.options.corsOrigins ?? [] };
    const base = securityHeaders({ kind: 'api', tls: this.options.tls === true });
    // the API docs are a page (swagger-ui): its own scripts, styles and images may load, nothing else
    const page = securityHeaders({ kind: 'dashboard', tls: this.options.tls === true });
    app.addHook('onRoute', (route: RouteOptions) => {
      const scope: unknown = route.config?.scope;
      if (!isRouteScope(scope)) {
        throw new LeptonError('LEPTON_ERR_INTERNAL', `route ${String(route.method)} ${route.url} declares no scope: set config.scope to public, read, deploy or admin`);
      }
      for (const method of [route.method].flat()) this.routes.push({ method, url: route.url, scope });
    });
    app.addHook('onRequest', async (req, reply) => {
      const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
      if (req.method === 'OPTIONS') {
        const h = corsHeaders(origin, cors, true);
        if (Object.keys(h).length > 0) return reply.code(204).headers(h).send();
      }
      const scope = matchedScope(req);
      // no route matched: the not-found answer needs no token and names nothing that exists
      if (scope === undefined || scope === 'public') return;
      if (scope === null) throw new LeptonError('LEPTON_ERR_INTERNAL', 'this route declares no scope, so nobody may call it');
      await this.authenticate(req, reply, scope);
    });
    app.addHook('onSend', async (req, reply, payload) => {
      const cfg = req.routeOptions.config;
      // a page may bring its own policy (the console's is stricter than the docs page's)
      void reply.headers(!req.is404 && cfg.page === true ? (typeof cfg.csp === 'string' ? { ...page, 'Content-Security-Policy': cfg.csp } : page) : base);
      const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
      const h = corsHeaders(origin, cors);
      if (Object.keys(h).length > 0) void reply.headers(h);
      return payload;
    });
    app.addHook('onResponse', async (req, reply) => {
      const scope = matchedScope(req);
      if (scope === undefined || scope === 'public') return;
      const change = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
      const refused = reply.statusCode === 401 || reply.statusCode === 403;
      if (change || refused) this.record(req, reply);
    });
  }

  /** Check the caller's token against `scope`; remember who it was (also when refused, for the audit log). */
  private async authenticate(req: FastifyRequest, reply: FastifyReply, scope: Exclude<RouteScope, 'public'>): Promise<void> {
    try {
      const authorization = this.sessionAuthorization(req.headers.authorization, req.headers.cookie, req.method, req.headers[CSRF_HEADER]);
      const p = await this.api.check({ authorization, remoteAddress: req.socket.remoteAddress }, scope);
      if (p) principals.set(req, p);
    } catch (err) {
      const e = toLeptonError(err);
      if (e.code === 'LEPTON_ERR_FORBIDDEN') {
        // name the refused caller in the audit log
        const who = await verifyBearer(this.sessionAuthorization(req.headers.authorization, req.headers.cookie, 'GET', undefined), this.tokens).catch(() => undefined);
        if (who) principals.set(req, who);
      }
      if (e.code === 'LEPTON_ERR_UNAUTHENTICATED') void reply.headers(authChallengeHeaders(req.headers.authorization !== undefined));
      throw e;
    }
  }

  /**
   * The Authorization a request is checked with: its own header when it has one (bearer behaviour is
   * unchanged), else `Bearer <token>` of the live session its cookie names. A cookie request that
   * changes anything without the session's CSRF header is refused (403), so another site cannot make
   * the browser act; an unknown or expired cookie counts as no credentials at all.
   */
  sessionAuthorization(authorization: string | undefined, cookie: string | undefined, method: string, csrf: string | string[] | undefined): string | undefined {
    if (authorization !== undefined) return authorization;
    const s = this.sessions.fromCookie(cookie);
    if (!s) return undefined;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && !this.sessions.csrfOk(s, csrf)) {
      throw new LeptonError('LEPTON_ERR_FORBIDDEN', `a change made with the console's session cookie needs the ${CSRF_HEADER} header from login`);
    }
    return `Bearer ${s.token}`;
  }

  /** What the console's session routes (session.ts) need: this store, token checks and the caller. */
  sessionApi(): SessionApiOptions {
    return {
      sessions: this.sessions,
      verify: (token) => verifyBearer(`Bearer ${token}`, this.tokens),
      principalOf: (req) => principals.get(req),
      tls: this.options.tls === true,
      audit: (req, action, actor, ok) => {
        try {
          this.audit.append({ actor: actor ?? 'anonymous', action, result: ok ? 'ok' : 'denied', ...(ok ? {} : { code: '401' }), remote: req.socket.remoteAddress ?? '' });
        } catch (err) {
          req.log.error({ err }, 'audit log write failed');
        }
      },
    };
  }

  private record(req: FastifyRequest, reply: FastifyReply): void {
    const p = principals.get(req);
    const status = reply.statusCode;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const body = req.body as Record<string, unknown> | undefined;
    const target = typeof params['name'] === 'string' ? params['name'] : typeof params['id'] === 'string' ? params['id']
      : body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof body['name'] === 'string' ? body['name'] : undefined;
    try {
      this.audit.append({
        actor: p?.name ?? 'anonymous',
        ...(p ? { actorId: p.tokenId } : {}),
        action: auditAction(req.method, req.routeOptions.url, req.url),
        ...(target === undefined ? {} : { target: target.slice(0, 128) }),
        result: status < 400 ? 'ok' : status === 401 || status === 403 ? 'denied' : 'error',
        ...(status >= 400 ? { code: String(status) } : {}),
        remote: req.socket.remoteAddress ?? '',
      });
    } catch (err) {
      req.log.error({ err }, 'audit log write failed');
    }
  }

  /**
   * Gateway pre-handler: private deployments need `infer:<name>` or admin; public ones take anyone.
   * `ctx.deployment` is the exact name the gateway looked up and routes to (it refuses any name not
   * written plainly), so the scope checked is the deployment served. Rate-limited per token (429 +
   * Retry-After). The token is stripped before the request reaches a replica.
   */
  gatewayPreHandler(isPublic: (deployment: string) => boolean): PreHandler {
    return async (req, ctx) => {
      const required: Requirement = isPublic(ctx.deployment) ? 'public' : inferScope(ctx.deployment);
      try {
        const authorization = this.sessionAuthorization(req.headers.authorization, req.headers.cookie, req.method ?? 'GET', req.headers[CSRF_HEADER]);
        const p = await this.gateway.check({ authorization, remoteAddress: req.socket.remoteAddress }, required);
        if (p) principals.set(req, p);
      } finally {
        delete req.headers.authorization;
        // the console's session is for the platform, not for the replica
        const rest = withoutCookie(req.headers.cookie, SESSION_COOKIE);
        if (rest === undefined) delete req.headers.cookie;
        else req.headers.cookie = rest;
        delete req.headers[CSRF_HEADER];
      }
    };
  }
}
