/**
 * A cross-process lock directory (the photon registry's index lock). mkdir is atomic; a holder that
 * died is found by the lock's age and broken by rename. Every wait is an async sleep with a deadline,
 * and any filesystem error other than "someone holds it" fails at once with LEPTON_ERR_IO, so a lock
 * that cannot be created (read-only disk, no space, a foreign file in the way) never spins the loop.
 */
import * as fsp from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LeptonError } from '../core/errors.js';
import { makeDirs } from '../core/fs.js';

/** The filesystem calls the lock makes (injectable so tests can simulate EROFS, ENOSPC…). */
export interface LockFs {
  mkdir(path: string): Promise<unknown>;
  lstat(path: string): Promise<{ mtimeMs: number; isDirectory(): boolean }>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { recursive: true; force: true }): Promise<void>;
}

export interface DirLockOptions {
  /** A lock older than this was left by a dead process and is broken. Default 30 s. */
  staleMs?: number;
  /** Longest wait for a live holder before LEPTON_ERR_CONFLICT. Default staleMs + 5 s, so a waiter outlives a stale lock. */
  waitMs?: number;
  /** Sleep between attempts. Default 25 ms. */
  pollMs?: number;
  fs?: LockFs;
}

const nodeFs: LockFs = {
  mkdir: (p) => fsp.mkdir(p),
  lstat: (p) => fsp.lstat(p),
  rename: (a, b) => fsp.rename(a, b),
  rm: (p, o) => fsp.rm(p, o),
};

function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

function ioError(what: string, path: string, err: unknown): LeptonError {
  const code = errnoOf(err);
  return new LeptonError(
    'LEPTON_ERR_IO',
    `cannot ${what} ${path} (${code}: ${(err as Error).message}); check that the folder exists, is writable and its disk has space and inodes`,
    { cause: err, details: { path, errno: code } },
  );
}

/**
 * Take the lock directory `path`, creating its parent. Resolves to the release function. Throws
 * LEPTON_ERR_IO when the lock cannot be made at all, LEPTON_ERR_CONFLICT when a live holder keeps it
 * past the deadline.
 */
export async function acquireDirLock(path: string, options: DirLockOptions = {}): Promise<() => Promise<void>> {
  const fs = options.fs ?? nodeFs;
  const staleMs = options.staleMs ?? 30_000;
  const waitMs = options.waitMs ?? staleMs + 5000;
  const pollMs = options.pollMs ?? 25;
  const deadline = Date.now() + waitMs;
  if (!options.fs) {
    try {
      makeDirs(dirname(path));
    } catch (err) {
      throw ioError('create the folder of', path, err);
    }
  }
  for (;;) {
    try {
      await fs.mkdir(path);
      return async () => {
        try {
          await fs.rm(path, { recursive: true, force: true });
        } catch (err) {
          throw ioError('release the lock', path, err);
        }
      };
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw ioError('create the lock', path, err);
    }
    let age: number | undefined;
    try {
      const st = await fs.lstat(path);
      if (!st.isDirectory()) {
        throw new LeptonError('LEPTON_ERR_IO', `cannot create the lock ${path}: something that is not a lock folder (a file or link) is in the way; remove it`, {
          details: { path },
        });
      }
      age = Date.now() - st.mtimeMs;
    } catch (err) {
      if (err instanceof LeptonError) throw err;
      // ENOENT: the holder released it between our mkdir and lstat; try again after the sleep
      if (errnoOf(err) !== 'ENOENT') throw ioError('inspect the lock', path, err);
    }
    if (age !== undefined && age > staleMs) {
      // A process died holding the lock: break it by renaming, so two breakers cannot both win.
      const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
      try {
        await fs.rename(path, aside);
        await fs.rm(aside, { recursive: true, force: true }).catch(() => undefined);
        continue;
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw ioError('break the stale lock', path, err);
      }
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new LeptonError('LEPTON_ERR_CONFLICT', `the photon registry is locked by another process (${path}); retry, or remove the lock if no lep process is running`, {
        retryAfter: 1,
      });
    }
    await sleep(Math.min(pollMs, left));
  }
}
