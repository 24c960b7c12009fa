/**
 * One framework-agnostic access check for the control plane and gateway: authenticate (401),
 * authorize the scope (403), then rate-limit per token (429), with the explicit loopback opt-out.
 */
import { LeptonError } from '../core/index.js';
import { requireScope, isLoopbackAddress, type Scope } from './scopes.js';
import { verifyBearer, type Principal, type VerifyOptions } from './tokens.js';
import type { TokenStore } from './token-store.js';
import type { TokenBucketLimiter } from './rate-limit.js';

/** Who a loopback caller is under `--insecure-local` with no token: a full admin named `local`. */
export const LOCAL_PRINCIPAL: Readonly<Principal> = Object.freeze({ tokenId: 'local', name: 'local', scopes: ['admin' as Scope] });

export interface AccessControlOptions {
  store: TokenStore;
  /** `lep up --insecure-local`: loopback callers without a token act as LOCAL_PRINCIPAL. Default false. */
  insecureLocal?: boolean;
  /** Per-token rate limit (keyed by token id). None = unlimited. */
  limiter?: TokenBucketLimiter;
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
      this.limit(this.options.anonymousLimiter, `ip:${req.remoteAddress ?? '?'}`);
      return undefined;
    }
    let principal: Principal;
    if (!hasToken && this.options.insecureLocal === true && isLoopbackAddress(req.remoteAddress)) {
      principal = { ...LOCAL_PRINCIPAL, scopes: [...LOCAL_PRINCIPAL.scopes] };
    } else {
      principal = await verifyBearer(req.authorization, this.options.store, this.clock(), this.options.verify);
    }
    if (required !== 'public') requireScope(principal, required);
    this.limit(this.options.limiter, `token:${principal.tokenId}`);
    return principal;
  }

  private limit(limiter: TokenBucketLimiter | undefined, key: string): void {
    if (limiter === undefined) return;
    const d = limiter.take(key);
    if (!d.allowed) {
      throw new LeptonError('LEPTON_ERR_RATE_LIMITED', `rate limit exceeded; retry in ${d.retryAfterSeconds} s`, { retryAfter: d.retryAfterSeconds });
    }
  }
}
