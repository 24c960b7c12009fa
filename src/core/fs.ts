/**
 * File helpers shared by every store: atomic writes (temp file + fsync + rename) so a crash
 * mid-write never leaves a half-written file where a reader expects a whole one.
 */
import { mkdirSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync, rmSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LeptonError } from './errors.js';

/** Write `data` to `path` atomically, creating parent folders. `mode` applies to new files. */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode?: number): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data, mode === undefined ? {} : { mode });
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new LeptonError('LEPTON_ERR_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Make a folder (and parents), reporting a clear error if that is impossible. */
export function ensureDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_IO', `cannot create folder ${path}: ${(err as Error).message}`, { cause: err });
  }
}
