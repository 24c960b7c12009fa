/**
 * Pack a photon (manifest + files) into one gzipped tar and unpack it back into memory, with the
 * `tar` package. Unpacking is defensive and streaming (untar.ts): core's ArchiveGuard refuses `..`,
 * absolute and control-character paths and oversized entries or archives, links are refused outright,
 * and sizes and the compression ratio are checked as bytes inflate, so a gzip bomb stops early.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import * as tar from 'tar';
import { LeptonError } from '../core/errors.js';
import { MANIFEST_FILE, validPath, validateManifest, type PhotonManifest } from './manifest.js';
import { readTarGz } from './untar.js';

export interface ArchiveLimits {
  /** Largest single entry, bytes. Default 512 MiB. */
  maxEntryBytes?: number;
  /** Largest total unpacked size, bytes. Default 1 GiB. */
  maxTotalBytes?: number;
  /** Most entries. Default 256. */
  maxEntries?: number;
  /**
   * Most uncompressed bytes per compressed byte (checked as the archive inflates, plus 1 MiB for
   * headers). Default 200: ONNX weights compress 1.1–3× and manifests or handlers ~10×, so 200 leaves
   * two orders of magnitude for sparse or zero-padded models while a 1 MB upload can cost at most
   * ~200 MB of inflating before it is refused (deflate's own limit is ~1030×).
   */
  maxCompressionRatio?: number;
}

export interface UnpackedPhoton {
  manifest: PhotonManifest;
  /** path → contents, every file listed in the manifest (sha256 verified). */
  files: Map<string, Uint8Array>;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256Hex for large buffers on a request path: hashes 4 MiB at a time, yielding to the event loop between. */
export async function sha256HexAsync(data: Uint8Array): Promise<string> {
  const h = createHash('sha256');
  const step = 4 * 1024 * 1024;
  for (let o = 0; o < data.length; o += step) {
    h.update(data.subarray(o, o + step));
    if (o + step < data.length) await yieldToLoop();
  }
  return h.digest('hex');
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

/**
 * Unpack and verify an archive: manifest valid, every listed file present with the right sha256
 * and size, nothing unlisted. Any violation → LEPTON_ERR_INTEGRITY (or INVALID_ARGUMENT for a bad manifest).
 */
export async function unpackPhoton(archive: Uint8Array, limits: ArchiveLimits = {}): Promise<UnpackedPhoton> {
  const lim: Required<ArchiveLimits> = { maxEntryBytes: 512 * 2 ** 20, maxTotalBytes: 2 ** 30, maxEntries: 256, maxCompressionRatio: 200, ...limits };
  if (archive.length < 20 || archive[0] !== 0x1f || archive[1] !== 0x8b) throw refused('not a gzipped tar');
  const entries = await readTarGz(archive, lim, refused, (path) => (validPath(path) || path === MANIFEST_FILE ? undefined : `unsafe path '${path}'`));
  const rawManifest = entries.get(MANIFEST_FILE)?.data;
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
    const entry = entries.get(f.path);
    if (!entry) throw refused(`file '${f.path}' listed in the manifest is missing`);
    if (entry.data.length !== f.bytes || entry.sha256 !== f.sha256) throw refused(`file '${f.path}' fails its sha256 check`);
    files.set(f.path, entry.data);
  }
  for (const path of entries.keys()) {
    if (path !== MANIFEST_FILE && !files.has(path)) throw refused(`entry '${path}' is not listed in the manifest`);
  }
  return { manifest, files };
}
