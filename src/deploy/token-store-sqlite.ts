/**
 * The platform's TokenStore (src/secure contract) in the control-plane SQLite database: one row per
 * token with its SHA-256 hash only. Hand-written so tokens live in the same transactional store as deployments.
 */
import type Database from 'better-sqlite3';
import { LeptonError } from '../core/errors.js';
import type { Scope } from '../secure/scopes.js';
import type { TokenRecord, TokenStore } from '../secure/token-store.js';

interface Row {
  id: string;
  name: string;
  scopes: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  /** NULL = the server's default, 0 = unlimited, > 0 = requests/s (migration 5 of store.ts). */
  rate_limit: number | null;
}

function toRecord(r: Row): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    scopes: JSON.parse(r.scopes) as Scope[],
    hash: r.hash,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    ...(r.rate_limit === null ? {} : { rateLimit: r.rate_limit === 0 ? null : r.rate_limit }),
  };
}

/** The column value of a record's limit: three states in one nullable column (a limit is never 0). */
function rateColumn(r: TokenRecord): number | null {
  return r.rateLimit === undefined ? null : r.rateLimit === null ? 0 : r.rateLimit;
}

/** TokenStore over the `tokens` table (migrations 3 and 5 of store.ts). Every call returns fresh copies. */
export class SqliteTokenStore implements TokenStore {
  constructor(private readonly db: Database.Database) {}

  create(record: TokenRecord): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO tokens (id, name, scopes, hash, created_at, expires_at, last_used_at, revoked_at, rate_limit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(record.id, record.name, JSON.stringify(record.scopes), record.hash, record.createdAt, record.expiresAt, record.lastUsedAt, record.revokedAt, rateColumn(record));
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_CONSTRAINT')) return Promise.reject(new LeptonError('LEPTON_ERR_CONFLICT', `token id ${record.id} exists`));
      return Promise.reject(new LeptonError('LEPTON_ERR_IO', `cannot store token: ${(err as Error).message}`, { cause: err }));
    }
    return Promise.resolve();
  }

  findById(id: string): Promise<TokenRecord | undefined> {
    const r = this.db.prepare('SELECT * FROM tokens WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(r && toRecord(r));
  }

  findByHash(hash: string): Promise<TokenRecord | undefined> {
    const r = this.db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hash) as Row | undefined;
    return Promise.resolve(r && toRecord(r));
  }

  list(): Promise<TokenRecord[]> {
    return Promise.resolve((this.db.prepare('SELECT * FROM tokens ORDER BY created_at, rowid').all() as Row[]).map(toRecord));
  }

  revoke(id: string, at: number): Promise<boolean> {
    const changed = this.db.prepare('UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(at, id).changes;
    return Promise.resolve(changed > 0);
  }

  touch(id: string, at: number): Promise<void> {
    this.db.prepare('UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?').run(at, id);
    return Promise.resolve();
  }
}
