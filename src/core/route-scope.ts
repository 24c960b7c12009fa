/**
 * The scope each front-door route declares in its fastify route `config`. It lives in core so that
 * every layer that registers routes on the front door (deploy, jobs) declares scopes the same way;
 * only types come from fastify, so nothing here loads it. Authorisation (deploy/security.ts) reads
 * the scope of the route the router matched, never the URL text (issue 21).
 */
import type { FastifyRequest } from 'fastify';

/** `public`: no token; otherwise the token scope the route needs (admin ⊃ deploy ⊃ read). */
export type RouteScope = 'public' | 'read' | 'deploy' | 'admin';

export const ROUTE_SCOPES: readonly RouteScope[] = ['public', 'read', 'deploy', 'admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; every front-door route must say (see route-scope.ts). */
    scope?: RouteScope;
  }
}

export function isRouteScope(v: unknown): v is RouteScope {
  return typeof v === 'string' && (ROUTE_SCOPES as readonly string[]).includes(v);
}

/** Route options declaring `scope`: `app.get(url, scoped('read'), handler)`. */
export function scoped(scope: RouteScope): { config: { scope: RouteScope } } {
  return { config: { scope } };
}

/**
 * The scope of the route `req` matched; `undefined` when nothing matched (the not-found answer,
 * which needs no token) and `null` when the matched route declares none (refuse it).
 */
export function matchedScope(req: FastifyRequest): RouteScope | undefined | null {
  if (req.is404) return undefined;
  const s: unknown = req.routeOptions.config.scope;
  return isRouteScope(s) ? s : null;
}
