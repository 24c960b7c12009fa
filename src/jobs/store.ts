/**
 * Jobs in SQLite: one `jobs` table in the platform's database handle (lepton.db), created if
 * missing. Rows are ordered by insertion (`n`), which is the FIFO order of the queue. Steps,
 * metrics and results are JSON columns: they are read whole with the job and never queried.
 */
import type Database from 'better-sqlite3';
import { type JobRecord, type JobState } from './types.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS jobs (
  n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, name TEXT NOT NULL,
  args TEXT NOT NULL, threads INTEGER NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL,
  started_at TEXT, ended_at TEXT, exit_code INTEGER, reason TEXT, pgid INTEGER, proc_start INTEGER,
  steps TEXT NOT NULL, metrics TEXT NOT NULL, result TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, n);`;

interface Row {
  id: string;
  kind: string;
  name: string;
  args: string;
  threads: number;
  state: JobState;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  exit_code: number | null;
  reason: string | null;
  pgid: number | null;
  proc_start: number | null;
  steps: string;
  metrics: string;
  result: string;
}

function toRecord(r: Row): JobRecord {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    args: JSON.parse(r.args) as string[],
    threads: r.threads,
    state: r.state,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    exitCode: r.exit_code,
    reason: r.reason,
    steps: JSON.parse(r.steps) as JobRecord['steps'],
    metrics: JSON.parse(r.metrics) as JobRecord['metrics'],
    result: JSON.parse(r.result) as JobRecord['result'],
    pgid: r.pgid,
  };
}

/** The process group a running job's process leads, as recorded at spawn. */
export interface JobProcess {
  pgid: number;
  procStart: number | null;
}

export class JobStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  insert(job: JobRecord): void {
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, name, args, threads, state, created_at, steps, metrics, result)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(job.id, job.kind, job.name, JSON.stringify(job.args), job.threads, job.state, job.createdAt, JSON.stringify(job.steps), JSON.stringify(job.metrics), JSON.stringify(job.result));
  }

  /** Write every mutable field of `job` back. */
  save(job: JobRecord): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = ?, started_at = ?, ended_at = ?, exit_code = ?, reason = ?, steps = ?, metrics = ?, result = ? WHERE id = ?`,
      )
      .run(job.state, job.startedAt, job.endedAt, job.exitCode, job.reason, JSON.stringify(job.steps), JSON.stringify(job.metrics), JSON.stringify(job.result), job.id);
  }

  setProcess(id: string, p: JobProcess | null): void {
    this.db.prepare('UPDATE jobs SET pgid = ?, proc_start = ? WHERE id = ?').run(p?.pgid ?? null, p?.procStart ?? null, id);
  }

  process(id: string): JobProcess | undefined {
    const r = this.db.prepare('SELECT pgid, proc_start FROM jobs WHERE id = ?').get(id) as { pgid: number | null; proc_start: number | null } | undefined;
    return r?.pgid ? { pgid: r.pgid, procStart: r.proc_start } : undefined;
  }

  get(id: string): JobRecord | undefined {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return r ? toRecord(r) : undefined;
  }

  /** All jobs, oldest first (optionally only those in `state`). */
  list(state?: JobState): JobRecord[] {
    const rows = (state === undefined ? this.db.prepare('SELECT * FROM jobs ORDER BY n').all() : this.db.prepare('SELECT * FROM jobs WHERE state = ? ORDER BY n').all(state)) as Row[];
    return rows.map(toRecord);
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
  }
}
