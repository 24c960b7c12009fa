/**
 * Archive-entry rules: what path, type and size an entry of an untrusted archive may have before
 * anything is written for it. In core so the photon unpacker (below secure in the layer order) and
 * secure's own checks share one implementation instead of two drifting copies.
 */
import { posix } from 'node:path';
import { LeptonError } from './errors.js';

/** Limits an archive extraction enforces. Defaults in DEFAULT_ARCHIVE_LIMITS. */
export interface ArchiveLimits {
  /** Longest entry path in bytes (default 1024). */
  maxPathBytes: number;
  /** Longest single path component in bytes (default 255). */
  maxComponentBytes: number;
  /** Deepest nesting (default 32). */
  maxDepth: number;
  /** Largest single entry in bytes (default 2 GiB). */
  maxEntryBytes: number;
  /** Largest sum of entry sizes in bytes (default 4 GiB). */
  maxTotalBytes: number;
  /** Most entries (default 10 000). */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxPathBytes: 1024,
  maxComponentBytes: 255,
  maxDepth: 32,
  maxEntryBytes: 2 * 1024 ** 3,
  maxTotalBytes: 4 * 1024 ** 3,
  maxEntries: 10_000,
};

function badEntry(path: string, why: string): LeptonError {
  return new LeptonError('LEPTON_ERR_CORRUPT_FILE', `refusing archive entry ${JSON.stringify(path.slice(0, 200))}: ${why}`);
}

/**
 * Validate one archive entry path and return it normalised (posix, relative, no `.` parts, no
 * trailing slash). Refuses `..`, absolute and drive paths, backslashes, NUL and control characters,
 * empty components and over-long names. Throws LEPTON_ERR_CORRUPT_FILE.
 */
export function validateArchivePath(path: string, limits: Partial<ArchiveLimits> = {}): string {
  const lim = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  if (typeof path !== 'string' || path.length === 0) throw badEntry(String(path), 'empty path');
  if (Buffer.byteLength(path) > lim.maxPathBytes) throw badEntry(path, `path longer than ${lim.maxPathBytes} bytes`);
  if (/[\u0000-\u001f\u007f]/.test(path)) throw badEntry(path, 'control character or NUL in path');
  if (path.includes('\\')) throw badEntry(path, 'backslash in path');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw badEntry(path, 'absolute path');
  const parts = path.replace(/\/$/, '').split('/').filter((p) => p !== '.');
  if (parts.length === 0) throw badEntry(path, 'empty path');
  if (parts.length > lim.maxDepth) throw badEntry(path, `nested deeper than ${lim.maxDepth}`);
  for (const part of parts) {
    if (part === '') throw badEntry(path, 'empty path component');
    if (part === '..') throw badEntry(path, "'..' component");
    if (Buffer.byteLength(part) > lim.maxComponentBytes) throw badEntry(path, `component longer than ${lim.maxComponentBytes} bytes`);
  }
  return parts.join('/');
}

/** What the unpacker knows about an entry before writing it. */
export interface ArchiveEntryInfo {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** Declared size in bytes (files). */
  size?: number;
  /** Link target (symlink/hardlink). */
  linkTarget?: string;
}

/**
 * Stateful guard for one extraction: call `check(entry)` for each entry, in order, before writing
 * it. Enforces paths, links inside the root, per-entry and total size and entry count.
 */
export class ArchiveGuard {
  private readonly lim: ArchiveLimits;
  private entries = 0;
  private total = 0;

  constructor(limits: Partial<ArchiveLimits> = {}) {
    this.lim = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  }

  /** Returns the normalised relative path to write at; throws LEPTON_ERR_CORRUPT_FILE or _PAYLOAD_TOO_LARGE. */
  check(entry: ArchiveEntryInfo): string {
    const rel = validateArchivePath(entry.path, this.lim);
    if (++this.entries > this.lim.maxEntries) throw badEntry(entry.path, `more than ${this.lim.maxEntries} entries`);
    if (entry.type === 'other') throw badEntry(entry.path, 'unsupported entry type (device, fifo…)');
    if (entry.type === 'symlink' || entry.type === 'hardlink') {
      const target = entry.linkTarget ?? '';
      if (target === '' || target.startsWith('/') || target.includes('\\') || target.includes('\0')) {
        throw badEntry(entry.path, 'link target outside the archive root');
      }
      // a hardlink target is relative to the root, a symlink's to the link's folder
      const base = entry.type === 'symlink' ? posix.dirname(rel) : '.';
      const resolved = posix.normalize(posix.join(base, target));
      if (resolved === '..' || resolved.startsWith('../') || posix.isAbsolute(resolved)) {
        throw badEntry(entry.path, 'link target outside the archive root');
      }
    }
    const size = entry.size ?? 0;
    if (!Number.isSafeInteger(size) || size < 0) throw badEntry(entry.path, 'invalid size');
    if (size > this.lim.maxEntryBytes) {
      throw new LeptonError('LEPTON_ERR_PAYLOAD_TOO_LARGE', `archive entry ${JSON.stringify(rel)} is larger than ${this.lim.maxEntryBytes} bytes`);
    }
    this.total += size;
    if (this.total > this.lim.maxTotalBytes) {
      throw new LeptonError('LEPTON_ERR_PAYLOAD_TOO_LARGE', `archive content is larger than ${this.lim.maxTotalBytes} bytes`);
    }
    return rel;
  }
}

/**
 * Join a validated relative path onto `root` and confirm the result stays inside it (belt and
 * braces for callers that build paths themselves).
 */
export function resolveInside(root: string, relPath: string): string {
  const rel = validateArchivePath(relPath);
  const full = posix.join(root.replace(/\\/g, '/'), rel);
  const base = posix.normalize(root.replace(/\\/g, '/')).replace(/\/$/, '');
  if (full !== base && !full.startsWith(`${base}/`)) throw badEntry(relPath, 'escapes the root');
  return full;
}
