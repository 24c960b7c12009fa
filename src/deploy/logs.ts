/** Reading replica log files for the API: a byte range from an offset, or the tail, bounded in size. */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

export interface LogSlice {
  text: string;
  /** Offset to pass next time to continue (`--follow`). */
  next: number;
  size: number;
}

/** Read up to `limit` bytes from `offset`, or the last `limit` bytes when offset is undefined. */
export function readLogSlice(path: string, offset: number | undefined, limit: number): LogSlice {
  if (!existsSync(path)) return { text: '', next: 0, size: 0 };
  const size = statSync(path).size;
  const start = offset === undefined ? Math.max(0, size - limit) : Math.min(offset, size);
  const len = Math.min(limit, size - start);
  if (len <= 0) return { text: '', next: start, size };
  const buf = Buffer.alloc(len);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, len, start);
  } finally {
    closeSync(fd);
  }
  return { text: buf.toString('utf8'), next: start + len, size };
}
