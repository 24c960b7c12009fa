/**
 * API tokens: `lep_<id>_<secret>` with 256 random bits, stored as SHA-256 only, checked in
 * constant time. Issue, verify a `Bearer` header into a principal, expiry, revocation, bootstrap.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LeptonError, invalidArgument } from '../core/index.js';
import { validateName } from './names.js';
import { parseScopes, type Scope } from './scopes.js';
import type { TokenRecord, TokenStore } from './token-store.js';

/** `lep_` + 12 hex id + `_` + base64url of 32 random bytes (43 chars). */
export const TOKEN_PATTERN = /^lep_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const MAX_HEADER = 1024;
const DUMMY_HASH = Buffer.alloc(32);

/** Who a verified token belongs to, as the API and audit log see it. */
export interface Principal {
  tokenId: string;
  name: string;
  scopes: Scope[];
  /** The token's own rate limit (see TokenRecord.rateLimit); absent = the server's default. */
  rateLimit?: number | null;
}

export interface IssueTokenOptions {
  name: string;
  scopes: string | readonly string[];
  /** Lifetime: a duration such as '30d', '12h', '15m', '45s', or milliseconds; none = never expires. */
  expiresIn?: string | number;
  /** Requests/s at the gateway; null = unlimited; absent = the server's default (none for admin tokens). */
  rateLimit?: number | null;
  /** Epoch ms (default Date.now()). */
  now?: number;
}

export interface IssuedToken {
  /** The token text: show it once, never store or log it. */
  token: string;
  record: TokenRecord;
}

export interface VerifyOptions {
  /** Skip `touch` when the last recorded use is newer than this (default 60 000 ms): one write per minute, not per request. */
  touchIntervalMs?: number;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const MAX_DURATION_MS = 3650 * 86_400_000;

/** Parse '30d', '12h', '15m', '45s', '2w' into milliseconds. Throws LEPTON_ERR_INVALID_ARGUMENT. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d{1,6})\s*([smhdw])\s*$/.exec(text);
  const ms = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!(ms > 0) || ms > MAX_DURATION_MS) {
    throw invalidArgument(`invalid duration ${JSON.stringify(text.slice(0, 40))}: use a positive number with s, m, h, d or w (e.g. 30d, 12h, 15m), at most 3650d`, { field: 'expires' });
  }
  return ms;
}

/** Hex SHA-256 of a token's text: all a store ever keeps. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Create a token, store its hash, and return the text once. */
export async function issueToken(store: TokenStore, options: IssueTokenOptions): Promise<IssuedToken> {
  const name = validateTokenName(options.name);
  const scopes = parseScopes(options.scopes);
  const rateLimit = options.rateLimit === undefined ? undefined : validateRateLimit(options.rateLimit);
  const now = options.now ?? Date.now();
  let expiresAt: number | null = null;
  if (options.expiresIn !== undefined) {
    const ms = typeof options.expiresIn === 'number' ? options.expiresIn : parseDuration(options.expiresIn);
    if (!(ms > 0) || !Number.isFinite(ms)) throw invalidArgument('token lifetime must be positive', { field: 'expires' });
    expiresAt = now + ms;
  }
  // 48-bit ids: a clash is rare but possible, so retry a few times rather than fail the command
  for (let attempt = 0; ; attempt++) {
    const id = randomBytes(6).toString('hex');
    const token = `lep_${id}_${randomBytes(32).toString('base64url')}`;
    const record: TokenRecord = {
      id, name, scopes, hash: hashToken(token), createdAt: now, expiresAt, lastUsedAt: null, revokedAt: null,
      ...(rateLimit === undefined ? {} : { rateLimit }),
    };
    try {
      await store.create(record);
      return { token, record };
    } catch (err) {
      if (!(err instanceof LeptonError && err.code === 'LEPTON_ERR_CONFLICT') || attempt >= 4) throw err;
    }
  }
}

/** Largest per-token limit accepted, in requests per second. */
export const MAX_RATE_LIMIT = 1_000_000;

/** A token's requests/s limit: a positive number up to MAX_RATE_LIMIT, or null for unlimited. */
export function validateRateLimit(v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > MAX_RATE_LIMIT) {
    throw invalidArgument(`'rateLimit' must be a number of requests per second above 0 and at most ${MAX_RATE_LIMIT}, or null for unlimited`, { field: 'rateLimit' });
  }
  return v;
}

/** Parse a limit as typed on a command line: requests per second (`20`, `0.5`) or `unlimited`. */
export function parseRateLimit(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'unlimited' || t === 'none') return null;
  const n = /^\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
  if (!(n > 0) || n > MAX_RATE_LIMIT) {
    throw invalidArgument(`invalid rate limit ${JSON.stringify(text.slice(0, 40))}: use requests per second above 0 and at most ${MAX_RATE_LIMIT} (e.g. 50 or 0.5), or 'unlimited'`, { field: 'rateLimit' });
  }
  return n;
}

/**
 * The requests/s a token may make: its own limit when it has one (null = unlimited); without one,
 * an admin token is unlimited (its owner runs the platform, load tests included) and any other
 * token gets the server's default (`lep up --rate-limit`; null = unlimited).
 */
export function effectiveRateLimit(t: { scopes: readonly string[]; rateLimit?: number | null }, serverDefault: number | null): number | null {
  if (t.rateLimit !== undefined) return t.rateLimit;
  return t.scopes.includes('admin') ? null : serverDefault;
}

/** Token names are shown in lists and audit lines: short and printable. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

export function validateTokenName(name: string): string {
  if (typeof name !== 'string' || !TOKEN_NAME_PATTERN.test(name)) {
    throw invalidArgument('token name must be 1-64 letters, digits, spaces or ._@- and start with a letter or digit', { field: 'name' });
  }
  return name;
}

function unauthenticated(message: string): LeptonError {
  return new LeptonError('LEPTON_ERR_UNAUTHENTICATED', message);
}

/** Extract the token from an `Authorization: Bearer …` header value (401 on anything odd). */
export function parseBearer(header: string | readonly string[] | undefined): string {
  if (header === undefined || header === '') throw unauthenticated('missing token: send "Authorization: Bearer <token>"');
  if (typeof header !== 'string') throw unauthenticated('malformed Authorization header: send exactly one');
  if (header.length > MAX_HEADER) throw unauthenticated('malformed Authorization header');
  const m = /^bearer[ ]+(\S+)[ ]*$/i.exec(header);
  if (!m) throw unauthenticated('malformed Authorization header: expected "Bearer <token>"');
  if (!TOKEN_PATTERN.test(m[1]!)) throw unauthenticated('invalid token');
  return m[1]!;
}

/**
 * Verify a bearer header against the store at time `now` (epoch ms). Returns the principal or
 * throws LEPTON_ERR_UNAUTHENTICATED (401). Scope checks (403) are the caller's, via requireScope.
 */
export async function verifyBearer(header: string | readonly string[] | undefined, store: TokenStore, now: number = Date.now(), options: VerifyOptions = {}): Promise<Principal> {
  const token = parseBearer(header);
  const id = TOKEN_PATTERN.exec(token)![1]!;
  const record = await store.findById(id);
  const presented = createHash('sha256').update(token, 'utf8').digest();
  // compare even when the id is unknown, so timing does not reveal which ids exist
  const stored = record && /^[0-9a-f]{64}$/.test(record.hash) ? Buffer.from(record.hash, 'hex') : DUMMY_HASH;
  const match = timingSafeEqual(presented, stored) && record !== undefined;
  if (!match) throw unauthenticated('invalid token');
  if (record.revokedAt !== null) throw unauthenticated('token revoked');
  if (record.expiresAt !== null && now >= record.expiresAt) throw unauthenticated('token expired');
  const interval = options.touchIntervalMs ?? 60_000;
  if (record.lastUsedAt === null || now - record.lastUsedAt >= interval) await store.touch(record.id, now);
  return { tokenId: record.id, name: record.name, scopes: [...record.scopes], ...(record.rateLimit === undefined ? {} : { rateLimit: record.rateLimit }) };
}

/** Revoke by id; LEPTON_ERR_NOT_FOUND when there is no such token. */
export async function revokeToken(store: TokenStore, id: string, now: number = Date.now()): Promise<void> {
  if (!(await store.revoke(id, now))) throw new LeptonError('LEPTON_ERR_NOT_FOUND', `no token with id ${JSON.stringify(id.slice(0, 40))}`);
}

/**
 * First start: create an admin token when no usable admin token exists. Returns the issued token
 * (to print once) or undefined when one already exists.
 */
export async function ensureAdminToken(store: TokenStore, now: number = Date.now()): Promise<IssuedToken | undefined> {
  const usable = (await store.list()).some((r) => r.revokedAt === null && (r.expiresAt === null || r.expiresAt > now) && r.scopes.includes('admin'));
  if (usable) return undefined;
  return issueToken(store, { name: 'admin', scopes: ['admin'], now });
}

/** A token as `lep token list` and the API show it: no hash; the limit in force and where it comes from. */
export interface PublicTokenView extends Omit<TokenRecord, 'hash' | 'rateLimit'> {
  status: 'active' | 'expired' | 'revoked';
  /** Requests/s in force at the gateway; null = unlimited. */
  rateLimit: number | null;
  /** `token`: the token's own limit; `default`: the server's default for tokens without one. */
  rateLimitSource: 'token' | 'default';
}

/** The view of `r` at time `now`, under the server's default limit `serverDefault` (null = unlimited). */
export function publicTokenView(r: TokenRecord, now: number = Date.now(), serverDefault: number | null = null): PublicTokenView {
  const status = r.revokedAt !== null ? 'revoked' : r.expiresAt !== null && now >= r.expiresAt ? 'expired' : 'active';
  return {
    id: r.id, name: r.name, scopes: [...r.scopes], createdAt: r.createdAt, expiresAt: r.expiresAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt, status,
    rateLimit: effectiveRateLimit(r, serverDefault),
    rateLimitSource: r.rateLimit === undefined ? 'default' : 'token',
  };
}
