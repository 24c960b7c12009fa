/**
 * Append-only audit log of control-plane changes as JSON lines (who, what, when, target, result).
 * Every event passes through redaction first, so a secret value can never reach the file.
 */
import { appendFileSync, readFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LeptonError, invalidArgument } from '../core/index.js';
import { redactValue } from './redact.js';

export interface AuditEvent {
  /** Who: a token name, or `local` for `--insecure-local` loopback calls. */
  actor: string;
  /** The token id behind `actor`, when there is one. */
  actorId?: string;
  /** What: a dotted verb such as `deployment.create`, `token.revoke`, `secret.set`, `key.rotate`. */
  action: string;
  /** The object acted on (deployment, photon, token id, secret name). */
  target?: string;
  result: 'ok' | 'denied' | 'error';
  /** Error code when result is not ok. */
  code?: string;
  /** Peer address of the request. */
  remote?: string;
  /** Extra non-secret facts (replicas, version…). Redacted anyway. */
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEvent {
  /** ISO-8601 time. */
  ts: string;
}

export interface AuditLogOptions {
  /** Secret values to scrub from every event (called per append, so new secrets are covered). */
  secrets?: () => Iterable<string>;
  /** Milliseconds clock (default Date.now). */
  clock?: () => number;
  /** Longest line in bytes (default 16 KiB); details are dropped beyond it. */
  maxLineBytes?: number;
}

const ACTION = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;

/** Appends audit lines to one file, created with mode 0600. Opened with O_APPEND per write, so lines never overwrite each other. */
export class AuditLog {
  private readonly clock: () => number;
  private readonly maxLineBytes: number;

  constructor(readonly path: string, private readonly options: AuditLogOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.maxLineBytes = options.maxLineBytes ?? 16 * 1024;
  }

  /** Write one event. Throws LEPTON_ERR_IO if the log cannot be written: an unaudited change should fail. */
  append(event: AuditEvent): AuditRecord {
    if (!ACTION.test(event.action)) throw invalidArgument(`invalid audit action ${JSON.stringify(event.action.slice(0, 60))}`);
    const secrets = [...(this.options.secrets?.() ?? [])];
    const record = redactValue({ ts: new Date(this.clock()).toISOString(), ...event }, secrets) as AuditRecord;
    let line = JSON.stringify(record);
    if (Buffer.byteLength(line) > this.maxLineBytes) {
      record.details = { truncated: true };
      line = JSON.stringify(record);
      if (Buffer.byteLength(line) > this.maxLineBytes) throw invalidArgument('audit event too large even without details');
    }
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      appendFileSync(this.path, `${line}\n`, { mode: 0o600, flag: 'a' });
    } catch (err) {
      throw new LeptonError('LEPTON_ERR_IO', `cannot write audit log ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    return record;
  }
}

/** Read an audit log back (for `lep audit` and tests). A torn last line from a crash is skipped. */
export function readAuditLog(path: string): AuditRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new LeptonError('LEPTON_ERR_IO', `cannot read audit log ${path}: ${(err as Error).message}`, { cause: err });
  }
  const out: AuditRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as AuditRecord);
    } catch {
      // only a partial final write can be malformed; skip it rather than hide the rest
    }
  }
  return out;
}
