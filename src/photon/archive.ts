/**
 * Pack a photon (manifest + files) into one gzipped tar and unpack it back into memory, with the
 * `tar` package. Unpacking is defensive: core's ArchiveGuard refuses `..`, absolute and control-
 * character paths and oversized entries or archives, and links are refused outright.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createHash } from 'node:crypto';
import * as tar from 'tar';
import { ArchiveGuard } from '../core/archive-path.js';
import { LeptonError } from '../core/errors.js';
import { MANIFEST_FILE, validPath, validateManifest, type PhotonManifest } from './manifest.js';

export interface ArchiveLimits {
  /** Largest single entry, bytes. Default 512 MiB. */
  maxEntryBytes?: number;
  /** Largest total unpacked size, bytes. Default 1 GiB. */
  maxTotalBytes?: number;
  /** Most entries. Default 256. */
  maxEntries?: number;
}

export interface UnpackedPhoton {
  manifest: PhotonManifest;
  /** path → contents, every file listed in the manifest (sha256 verified). */
  files: Map<string, Uint8Array>;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Pack a manifest and its files. Output is deterministic for equal input (fixed mtimes, sorted paths). */
export async function packPhoton(manifest: PhotonManifest, files: Map<string, Uint8Array>): Promise<Uint8Array> {
  const checked = validateManifest(manifest);
  const dir = mkdtempSync(join(tmpdir(), 'lepton-pack-'));
  try {
    for (const f of checked.files) {
      const data = files.get(f.path);
      if (!data) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `file '${f.path}' is listed in the manifest but not given`);
      if (sha256Hex(data) !== f.sha256 || data.length !== f.bytes) throw new LeptonError('LEPTON_ERR_INTEGRITY', `file '${f.path}' does not match its manifest sha256/size`);
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), data);
    }
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(checked, null, 2));
    const names = [MANIFEST_FILE, ...checked.files.map((f) => f.path).sort()];
    const stream = tar.create({ gzip: true, cwd: dir, portable: true, mtime: new Date(0), noDirRecurse: true }, names);
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return new Uint8Array(Buffer.concat(chunks));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function refused(message: string): LeptonError {
  return new LeptonError('LEPTON_ERR_INTEGRITY', `photon archive refused: ${message}`);
}

/** Read every entry of a gzipped tar into memory, enforcing the safety rules. */
async function readEntries(archive: Uint8Array, limits: Required<ArchiveLimits>): Promise<Map<string, Uint8Array>> {
  const entries = new Map<string, Uint8Array>();
  const guard = new ArchiveGuard(limits);
  let problem: LeptonError | undefined;
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const path = entry.path.replace(/^\.\//, '');
      const fail = (msg: string): void => {
        problem ??= refused(msg);
        entry.resume();
      };
      if (problem) return entry.resume();
      if (entry.type === 'Directory') return entry.resume();
      // Stricter than the shared guard: a photon holds regular files only, never links.
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') return fail(`entry '${path}' is a ${entry.type}; only regular files are allowed`);
      let rel: string;
      try {
        rel = guard.check({ path, type: 'file', size: entry.size ?? 0 });
      } catch (err) {
        return fail((err as Error).message);
      }
      if (!validPath(rel) && rel !== MANIFEST_FILE) return fail(`unsafe path '${path}'`);
      if (entries.has(rel)) return fail(`duplicate entry '${path}'`);
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => entries.set(rel, new Uint8Array(Buffer.concat(chunks))));
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('error', (err: Error) => reject(refused(`corrupt or truncated (${err.message})`)));
    parser.on('warn', (_code: string, msg: string | Error) => reject(refused(`corrupt or truncated (${typeof msg === 'string' ? msg : msg.message})`)));
    parser.on('end', () => resolve());
    parser.on('close', () => resolve());
    parser.end(Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength));
  });
  if (problem) throw problem;
  return entries;
}

/**
 * Unpack and verify an archive: manifest valid, every listed file present with the right sha256
 * and size, nothing unlisted. Any violation → LEPTON_ERR_INTEGRITY (or INVALID_ARGUMENT for a bad manifest).
 */
export async function unpackPhoton(archive: Uint8Array, limits: ArchiveLimits = {}): Promise<UnpackedPhoton> {
  const lim: Required<ArchiveLimits> = { maxEntryBytes: 512 * 2 ** 20, maxTotalBytes: 2 ** 30, maxEntries: 256, ...limits };
  if (archive.length < 20 || archive[0] !== 0x1f || archive[1] !== 0x8b) throw refused('not a gzipped tar');
  const entries = await readEntries(archive, lim);
  const rawManifest = entries.get(MANIFEST_FILE);
  if (!rawManifest) throw refused(`no ${MANIFEST_FILE}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(rawManifest));
  } catch {
    throw refused(`${MANIFEST_FILE} is not valid JSON`);
  }
  const manifest = validateManifest(parsed);
  const files = new Map<string, Uint8Array>();
  for (const f of manifest.files) {
    const data = entries.get(f.path);
    if (!data) throw refused(`file '${f.path}' listed in the manifest is missing`);
    if (data.length !== f.bytes || sha256Hex(data) !== f.sha256) throw refused(`file '${f.path}' fails its sha256 check`);
    files.set(f.path, data);
  }
  for (const path of entries.keys()) {
    if (path !== MANIFEST_FILE && !files.has(path)) throw refused(`entry '${path}' is not listed in the manifest`);
  }
  return { manifest, files };
}
