/**
 * File helpers shared by every store: atomic writes (temp file + fsync + rename) so a crash
 * mid-write never leaves a half-written file where a reader expects a whole one.
 */
import { mkdirSync, writeFileSync, renameSync, openSync, fsyncSync, closeSync, rmSync, existsSync, statSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LeptonError } from './errors.js';

/** Write `data` to `path` atomically, creating parent folders. `mode` applies to new files. */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode?: number): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    makeDirs(dir);
    writeFileSync(tmp, data, mode === undefined ? {} : { mode });
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder itself is unusable (e.g. ENOTDIR): there is no temp file to remove
    }
    throw new LeptonError('LEPTON_ERR_IO', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Make a folder and its missing parents, level by level, throwing Node's own error. Not
 * `mkdirSync(recursive)`: on some paths under /proc Node's recursive mkdir spins forever instead of
 * failing, and a CLI given a bad `--out` must answer, not hang.
 */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) {
    missing.unshift(p);
    p = dirname(p);
  }
  if (!statSync(p).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: ${p} is not a folder`), { code: 'ENOTDIR' });
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (err) {
      // another process made it in between: fine
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    }
  }
}

/** Make a folder (and parents), reporting a clear error if that is impossible. */
export function ensureDir(path: string): void {
  try {
    makeDirs(path);
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_IO', `cannot create folder ${path}: ${(err as Error).message}`, { cause: err });
  }
}
