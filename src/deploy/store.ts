/**
 * The control plane's state in SQLite (better-sqlite3) at `<home>/lepton.db`: photons known to the
 * platform, deployments (spec + last status), replica processes from the moment they are spawned
 * (pid + kernel start time, so the next start can reap orphans of a crashed run without ever
 * signalling a reused pid) and the event log. Versioned migrations run in a transaction on open; WAL mode so API
 * reads never block the supervisor's writes.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { ensureDir } from '../core/fs.js';
import { type DeploymentSpec, type DeploymentStatus } from './spec.js';

/** Ordered schema migrations; index + 1 is the `user_version` after applying it. Never edit one. */
const MIGRATIONS: string[] = [
  `CREATE TABLE photons (
     name TEXT NOT NULL, version TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,
     created TEXT NOT NULL, registered_at TEXT NOT NULL, PRIMARY KEY (name, version));
   CREATE TABLE deployments (
     name TEXT PRIMARY KEY, spec TEXT NOT NULL, status TEXT, generation INTEGER NOT NULL DEFAULT 1,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, deployment TEXT, replica TEXT,
     type TEXT NOT NULL, message TEXT NOT NULL);
   CREATE INDEX events_deployment ON events (deployment, id);`,
  `CREATE TABLE replicas (
     id TEXT PRIMARY KEY, deployment TEXT NOT NULL, pid INTEGER, port INTEGER, photon TEXT NOT NULL,
     started_at TEXT NOT NULL);`,
  // API tokens (token-store-sqlite.ts): only SHA-256 hashes, never token text.
  `CREATE TABLE tokens (
     id TEXT PRIMARY KEY, name TEXT NOT NULL, scopes TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL, expires_at INTEGER, last_used_at INTEGER, revoked_at INTEGER);`,
  // The replica's start time (field 22 of /proc/<pid>/stat): a pid alone may since have been reused.
  `ALTER TABLE replicas ADD COLUMN proc_start INTEGER;`,
  // A token's own gateway rate limit (token-store-sqlite.ts): NULL = the server's default, 0 = unlimited, > 0 = requests/s.
  `ALTER TABLE tokens ADD COLUMN rate_limit REAL;`,
];

export interface PhotonRow {
  name: string;
  version: string;
  sha256: string;
  bytes: number;
  created: string;
  registeredAt: string;
}

export interface DeploymentRow {
  spec: DeploymentSpec;
  status: DeploymentStatus | null;
  generation: number;
  createdAt: string;
  updatedAt: string;
}

export interface EventRow {
  id: number;
  ts: string;
  deployment: string | null;
  replica: string | null;
  type: string;
  message: string;
}

export interface ReplicaRow {
  id: string;
  deployment: string;
  pid: number | null;
  port: number | null;
  photon: string;
  /** Kernel start time of `pid` in clock ticks (null where /proc is not available). */
  procStart: number | null;
}

/** Events kept per store; older ones are pruned so the log cannot grow without bound. */
const MAX_EVENTS = 20_000;

export class Store {
  readonly db: Database.Database;
  private eventsSincePrune = 0;

  /** Open (creating if needed) `<home>/lepton.db`, or an in-memory db for `:memory:`. */
  constructor(homeOrMemory: string) {
    const path = homeOrMemory === ':memory:' ? ':memory:' : join(homeOrMemory, 'lepton.db');
    if (path !== ':memory:') ensureDir(homeOrMemory);
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.migrate();
    } catch (err) {
      if (err instanceof LeptonError) throw err;
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `cannot open the control-plane store ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const have = this.schemaVersion;
    if (have > MIGRATIONS.length) {
      throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `store schema v${have} is newer than this lep (v${MIGRATIONS.length}); upgrade lep`);
    }
    for (let v = have; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  upsertPhoton(p: Omit<PhotonRow, 'registeredAt'>): void {
    this.db
      .prepare(
        `INSERT INTO photons (name, version, sha256, bytes, created, registered_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name, version) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes`,
      )
      .run(p.name, p.version, p.sha256, p.bytes, p.created, new Date().toISOString());
  }

  /** Forget photons that are no longer in the registry. */
  prunePhotons(keep: Set<string>): void {
    const rows = this.db.prepare('SELECT name, version FROM photons').all() as Array<{ name: string; version: string }>;
    const del = this.db.prepare('DELETE FROM photons WHERE name = ? AND version = ?');
    for (const r of rows) if (!keep.has(`${r.name}@${r.version}`)) del.run(r.name, r.version);
  }

  listPhotons(): PhotonRow[] {
    return this.db
      .prepare('SELECT name, version, sha256, bytes, created, registered_at AS registeredAt FROM photons ORDER BY name, registered_at')
      .all() as PhotonRow[];
  }

  /** Run `fn` in one transaction: every write in it lands, or (it threw) none does. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  createDeployment(spec: DeploymentSpec): void {
    const now = new Date().toISOString();
    try {
      this.db
        .prepare('INSERT INTO deployments (name, spec, created_at, updated_at) VALUES (?, ?, ?, ?)')
        .run(spec.name, JSON.stringify(spec), now, now);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new LeptonError('LEPTON_ERR_CONFLICT', `deployment '${spec.name}' already exists; use update`);
      }
      throw err;
    }
  }

  updateSpec(spec: DeploymentSpec): void {
    this.db
      .prepare('UPDATE deployments SET spec = ?, generation = generation + 1, updated_at = ? WHERE name = ?')
      .run(JSON.stringify(spec), new Date().toISOString(), spec.name);
  }

  updateStatus(name: string, status: DeploymentStatus): void {
    this.db.prepare('UPDATE deployments SET status = ? WHERE name = ?').run(JSON.stringify(status), name);
  }

  getDeployment(name: string): DeploymentRow | undefined {
    const row = this.db.prepare('SELECT * FROM deployments WHERE name = ?').get(name) as RawDeployment | undefined;
    return row ? toDeployment(row) : undefined;
  }

  listDeployments(): DeploymentRow[] {
    return (this.db.prepare('SELECT * FROM deployments ORDER BY name').all() as RawDeployment[]).map(toDeployment);
  }

  deleteDeployment(name: string): boolean {
    return this.db.prepare('DELETE FROM deployments WHERE name = ?').run(name).changes > 0;
  }

  addEvent(e: { deployment?: string; replica?: string; type: string; message: string }): void {
    this.db
      .prepare('INSERT INTO events (ts, deployment, replica, type, message) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), e.deployment ?? null, e.replica ?? null, e.type, e.message);
    if (++this.eventsSincePrune >= 1000) {
      this.eventsSincePrune = 0;
      this.db.prepare('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?').run(MAX_EVENTS);
    }
  }

  /** Events oldest first, after id `since`, optionally for one deployment. */
  listEvents(q: { deployment?: string; since?: number; limit?: number } = {}): EventRow[] {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM events WHERE id > ? AND (? IS NULL OR deployment = ?) ORDER BY id DESC LIMIT ?) ORDER BY id`,
      )
      .all(q.since ?? 0, q.deployment ?? null, q.deployment ?? null, limit) as EventRow[];
    return rows;
  }

  putReplica(r: ReplicaRow): void {
    this.db
      .prepare(
        `INSERT INTO replicas (id, deployment, pid, port, photon, started_at, proc_start) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, port = excluded.port, photon = excluded.photon,
           started_at = excluded.started_at, proc_start = excluded.proc_start`,
      )
      .run(r.id, r.deployment, r.pid, r.port, r.photon, new Date().toISOString(), r.procStart);
  }

  deleteReplica(id: string): void {
    this.db.prepare('DELETE FROM replicas WHERE id = ?').run(id);
  }

  listReplicas(): ReplicaRow[] {
    return this.db.prepare('SELECT id, deployment, pid, port, photon, proc_start AS procStart FROM replicas').all() as ReplicaRow[];
  }
}

interface RawDeployment {
  name: string;
  spec: string;
  status: string | null;
  generation: number;
  created_at: string;
  updated_at: string;
}

function toDeployment(r: RawDeployment): DeploymentRow {
  return {
    spec: JSON.parse(r.spec) as DeploymentSpec,
    status: r.status ? (JSON.parse(r.status) as DeploymentStatus) : null,
    generation: r.generation,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
