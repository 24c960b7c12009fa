/**
 * One framework-agnostic access check for the control plane and gateway: authenticate (401),
 * authorize the scope (403), then rate-limit per token (429) at the token's own limit, with the
 * explicit loopback opt-out.
 */
import { LeptonError } from '../core/index.js';
import { requireScope, isLoopbackAddress, type Scope } from './scopes.js';
import { effectiveRateLimit, verifyBearer, type Principal, type VerifyOptions } from './tokens.js';
import type { TokenStore } from './token-store.js';
import { rateFor, type Rate, type TokenBucketLimiter } from './rate-limit.js';

/** Who a loopback caller is under `--insecure-local` with no token: a full admin named `local`. */
export const LOCAL_PRINCIPAL: Readonly<Principal> = Object.freeze({ tokenId: 'local', name: 'local', scopes: ['admin' as Scope] });

/** Per-token limits: one bucket per token, sized from the token's own limit or the default. */
export interface TokenRateLimits {
  /** Holds the buckets, keyed by token id; the rate of each comes from `check`, not from the limiter. */
  limiter: TokenBucketLimiter;
  /**
   * The bucket of a non-admin token without a limit of its own (`lep up --rate-limit`); null = such
   * tokens are unlimited. Admin tokens without one are never limited.
   */
  default: Rate | null;
}

export interface AccessControlOptions {
  store: TokenStore;
  /** `lep up --insecure-local`: loopback callers without a token act as LOCAL_PRINCIPAL. Default false. */
  insecureLocal?: boolean;
  /** Per-token rate limits (429). None = no token is limited. */
  tokenLimits?: TokenRateLimits;
  /** Rate limit for anonymous calls to public deployments, keyed by peer address. None = unlimited. */
  anonymousLimiter?: TokenBucketLimiter;
  /** Epoch-ms clock (default Date.now). */
  clock?: () => number;
  verify?: VerifyOptions;
}

/** The parts of a request the check needs, whatever the server framework. */
export interface AccessRequest {
  /** The raw `Authorization` header value(s). */
  authorization?: string | readonly string[] | undefined;
  /** The TCP peer address (not X-Forwarded-For: that is caller-controlled). */
  remoteAddress?: string | undefined;
}

/** `public`: anyone may call (a `--public` deployment); otherwise the scope a token must hold. */
export type Requirement = Scope | 'public';

/** `50`, `0.5`, `2.25`: a limit as the 429 message names it. */
function perSecond(rps: number): string {
  return String(Math.round(rps * 1000) / 1000);
}

export class AccessControl {
  private readonly clock: () => number;

  constructor(private readonly options: AccessControlOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /**
   * Check one request. Returns the principal (undefined for an anonymous call to a public
   * deployment) or throws LEPTON_ERR_UNAUTHENTICATED / _FORBIDDEN / _RATE_LIMITED (with retryAfter).
   */
  async check(req: AccessRequest, required: Requirement): Promise<Principal | undefined> {
    const hasToken = req.authorization !== undefined && req.authorization !== '';
    if (required === 'public' && !hasToken) {
      const anon = this.options.anonymousLimiter;
      if (anon) this.limit(anon, `ip:${req.remoteAddress ?? '?'}`, { capacity: anon.capacity, refillPerSecond: anon.refillPerSecond }, 'anonymous calls from one address are');
      return undefined;
    }
    let principal: Principal;
    if (!hasToken && this.options.insecureLocal === true && isLoopbackAddress(req.remoteAddress)) {
      principal = { ...LOCAL_PRINCIPAL, scopes: [...LOCAL_PRINCIPAL.scopes] };
    } else {
      principal = await verifyBearer(req.authorization, this.options.store, this.clock(), this.options.verify);
    }
    if (required !== 'public') requireScope(principal, required);
    const rate = this.rateOf(principal);
    if (rate) this.limit(this.options.tokenLimits!.limiter, `token:${principal.tokenId}`, rate, `token '${principal.name}' is`);
    return principal;
  }

  /** The bucket `p` is held to, or undefined when it is not limited. */
  rateOf(p: Principal): Rate | undefined {
    const limits = this.options.tokenLimits;
    if (!limits) return undefined;
    if (p.rateLimit === undefined && !p.scopes.includes('admin')) return limits.default ?? undefined;
    const rps = effectiveRateLimit(p, null);
    return rps === null ? undefined : rateFor(rps);
  }

  private limit(limiter: TokenBucketLimiter, key: string, rate: Rate, who: string): void {
    const d = limiter.take(key, 1, rate);
    if (!d.allowed) {
      const rps = perSecond(rate.refillPerSecond);
      throw new LeptonError('LEPTON_ERR_RATE_LIMITED', `${who} limited to ${rps} requests/s; retry after ${d.retryAfterSeconds} s`, {
        retryAfter: d.retryAfterSeconds,
        details: { limit: rate.refillPerSecond, burst: rate.capacity },
      });
    }
  }
}
