/**
 * The TokenStore contract (records hold only SHA-256 hashes, never tokens) and an in-memory store
 * for tests and single-process use; the SQLite store in src/deploy implements the same interface.
 */
import { LeptonError } from '../core/index.js';
import type { Scope } from './scopes.js';

export interface TokenRecord {
  /** Public id, also embedded in the token text so lookups need no scan. */
  id: string;
  name: string;
  scopes: Scope[];
  /** Hex SHA-256 of the whole token text. */
  hash: string;
  /** Epoch milliseconds. */
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /**
   * Requests per second this token may make at the gateway: absent = the server's default (none for
   * admin tokens), null = unlimited, a number = this token's own limit.
   */
  rateLimit?: number | null;
}

/** Storage for token records. Implementations must never store or return plaintext tokens. */
export interface TokenStore {
  /** Insert a new record; LEPTON_ERR_CONFLICT if the id exists. */
  create(record: TokenRecord): Promise<void>;
  findById(id: string): Promise<TokenRecord | undefined>;
  findByHash(hash: string): Promise<TokenRecord | undefined>;
  /** Every record, oldest first (revoked ones included, so `lep token list` can show them). */
  list(): Promise<TokenRecord[]>;
  /** Mark revoked at `at`; false when no such id. Revoking twice keeps the first time. */
  revoke(id: string, at: number): Promise<boolean>;
  /** Record a use at `at`. */
  touch(id: string, at: number): Promise<void>;
}

/** In-memory TokenStore. Returns copies so callers cannot mutate stored records. */
export class MemoryTokenStore implements TokenStore {
  private readonly byId = new Map<string, TokenRecord>();

  create(record: TokenRecord): Promise<void> {
    if (this.byId.has(record.id)) return Promise.reject(new LeptonError('LEPTON_ERR_CONFLICT', `token id ${record.id} exists`));
    this.byId.set(record.id, { ...record, scopes: [...record.scopes] });
    return Promise.resolve();
  }

  findById(id: string): Promise<TokenRecord | undefined> {
    const r = this.byId.get(id);
    return Promise.resolve(r && { ...r, scopes: [...r.scopes] });
  }

  findByHash(hash: string): Promise<TokenRecord | undefined> {
    for (const r of this.byId.values()) if (r.hash === hash) return Promise.resolve({ ...r, scopes: [...r.scopes] });
    return Promise.resolve(undefined);
  }

  list(): Promise<TokenRecord[]> {
    return Promise.resolve([...this.byId.values()].sort((a, b) => a.createdAt - b.createdAt).map((r) => ({ ...r, scopes: [...r.scopes] })));
  }

  revoke(id: string, at: number): Promise<boolean> {
    const r = this.byId.get(id);
    if (!r) return Promise.resolve(false);
    r.revokedAt ??= at;
    return Promise.resolve(true);
  }

  touch(id: string, at: number): Promise<void> {
    const r = this.byId.get(id);
    if (r) r.lastUsedAt = Math.max(r.lastUsedAt ?? 0, at);
    return Promise.resolve();
  }
}
