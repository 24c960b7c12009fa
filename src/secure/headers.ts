/**
 * Security response headers for the API and dashboard, CORS (off unless origins are configured)
 * and the 401 challenge, as plain records so any server (fastify, node:http) can apply them.
 */

export interface SecurityHeaderOptions {
  /** `api`: JSON endpoints (no caching, nothing may render). `dashboard`: static UI pages. */
  kind: 'api' | 'dashboard';
  /** Served over TLS: adds Strict-Transport-Security. */
  tls?: boolean;
  /** HSTS max-age in seconds (default one year). */
  hstsMaxAgeSeconds?: number;
  /** Override the Content-Security-Policy (e.g. for a docs page that needs inline styles). */
  contentSecurityPolicy?: string;
}

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const DASHBOARD_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/** Headers every API or dashboard response carries. */
export function securityHeaders(options: SecurityHeaderOptions): Record<string, string> {
  const h: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'X-Permitted-Cross-Domain-Policies': 'none',
    'Content-Security-Policy': options.contentSecurityPolicy ?? (options.kind === 'api' ? API_CSP : DASHBOARD_CSP),
  };
  if (options.kind === 'api') {
    // responses may carry predictions, token lists or status: no shared or browser caching
    h['Cache-Control'] = 'no-store';
  } else {
    h['Cross-Origin-Opener-Policy'] = 'same-origin';
  }
  if (options.tls === true) h['Strict-Transport-Security'] = `max-age=${Math.max(0, Math.floor(options.hstsMaxAgeSeconds ?? 31_536_000))}`;
  return h;
}

export interface CorsOptions {
  /** Exact origins allowed (`https://app.example.com`), or `['*']`. Empty (the default) = CORS off. */
  allowedOrigins: readonly string[];
  /** Preflight cache in seconds (default 600). */
  maxAgeSeconds?: number;
}

/**
 * CORS headers for a request from `origin`; `{}` when CORS is off or the origin is not allowed
 * (the browser then blocks the response). Credentials are never allowed: auth is a bearer token.
 */
export function corsHeaders(origin: string | undefined, options: CorsOptions, preflight = false): Record<string, string> {
  if (origin === undefined || options.allowedOrigins.length === 0) return {};
  const any = options.allowedOrigins.includes('*');
  if (!any && !options.allowedOrigins.includes(origin)) return {};
  const h: Record<string, string> = { 'Access-Control-Allow-Origin': any ? '*' : origin };
  if (!any) h['Vary'] = 'Origin';
  if (preflight) {
    h['Access-Control-Allow-Methods'] = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
    h['Access-Control-Allow-Headers'] = 'Authorization, Content-Type';
    h['Access-Control-Max-Age'] = String(options.maxAgeSeconds ?? 600);
  }
  return h;
}

/** The RFC 6750 challenge for a 401: `invalid_token` only when a token was actually presented. */
export function authChallengeHeaders(tokenPresented: boolean): Record<string, string> {
  return { 'WWW-Authenticate': tokenPresented ? 'Bearer realm="lepton", error="invalid_token"' : 'Bearer realm="lepton"' };
}
