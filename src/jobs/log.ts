/**
 * A job's log: append-only JSONL at `<jobs>/<id>/log.jsonl`, one `{seq, ts, stream, line}` per
 * line, written synchronously as the process prints it so that nothing a job printed is lost when
 * the platform dies right after. Readers resume from any sequence number; the next sequence
 * survives a restart (it is read back from the file's last line).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir } from '../core/fs.js';
import { type LogLine } from './types.js';

export const LOG_FILE = 'log.jsonl';
/** Longest stored line; longer output is cut (a progress bar gone wild must not fill the disk in one line). */
const MAX_LINE = 16 * 1024;

function parse(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    try {
      out.push(JSON.parse(raw) as LogLine);
    } catch {
      // a line torn by a crash mid-write: skip it, the next one is whole
    }
  }
  return out;
}

export class JobLog {
  readonly path: string;
  private seq: number;

  constructor(readonly dir: string) {
    ensureDir(dir);
    this.path = join(dir, LOG_FILE);
    const lines = existsSync(this.path) ? parse(readFileSync(this.path, 'utf8')) : [];
    this.seq = lines.at(-1)?.seq ?? 0;
  }

  get lastSeq(): number {
    return this.seq;
  }

  append(stream: LogLine['stream'], line: string): LogLine {
    const entry: LogLine = { seq: ++this.seq, ts: new Date().toISOString(), stream, line: line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line };
    appendFileSync(this.path, JSON.stringify(entry) + '\n');
    return entry;
  }

  /** Lines with a sequence number above `since`, at most `limit`. */
  static read(dir: string, since = 0, limit = Number.MAX_SAFE_INTEGER): LogLine[] {
    const path = join(dir, LOG_FILE);
    if (!existsSync(path)) return [];
    return parse(readFileSync(path, 'utf8'))
      .filter((l) => l.seq > since)
      .slice(0, limit);
  }
}

/**
 * Splits a process's output chunks into lines (`\n`, `\r\n`, or a bare `\r` from a progress bar),
 * holding a partial line until it is completed or `flush` is called at the end.
 */
export class LineSplitter {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r\n|\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const p of parts) if (p !== '') this.onLine(p);
  }

  flush(): void {
    if (this.partial !== '') this.onLine(this.partial);
    this.partial = '';
  }
}
