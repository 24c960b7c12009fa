/**
 * Streaming reader of an untrusted gzipped tar into memory. Inflate runs in zlib's thread pool one
 * chunk at a time with backpressure, and every limit (entries, declared and received bytes, total
 * bytes, compression ratio) is checked as bytes arrive: a gzip bomb stops at the first byte over a
 * limit instead of being inflated whole on the event loop, and nothing it produced is kept.
 */
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { ArchiveGuard } from '../core/archive-path.js';
import type { LeptonError } from '../core/errors.js';

export interface UntarLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
  /** Most uncompressed bytes per compressed byte consumed so far (plus RATIO_ALLOWANCE). */
  maxCompressionRatio: number;
}

export interface UntarFile {
  data: Uint8Array;
  /** sha256 of `data`, hashed as it streamed in. */
  sha256: string;
}

/** Uncompressed bytes allowed beyond the ratio: tar headers and padding are mostly zeros and compress ~100×. */
export const RATIO_ALLOWANCE = 1024 * 1024;
/** Largest pax / long-name header: paths are at most 1 KiB, so 64 KiB is generous. */
const MAX_META_BYTES = 64 * 1024;
/** Compressed bytes fed to inflate per step; small, so the ratio check trails the input closely. */
const SLICE = 16 * 1024;

/** Turns a reason into the caller's refusal error (the photon unpacker's LEPTON_ERR_INTEGRITY). */
export type Refuse = (message: string) => LeptonError;

function startsWith(b: Buffer, magic: number[]): boolean {
  return magic.every((m, i) => b[i] === m);
}

/**
 * Read every regular file of a gzipped tar. Directories are counted but not returned; links, devices
 * and anything else are refused. Throws what `refuse` makes, for the first problem only.
 */
export async function readTarGz(
  archive: Uint8Array,
  lim: UntarLimits,
  refuse: Refuse,
  /** The caller's own path rule for a file entry: a reason to refuse, or undefined. */
  pathProblem: (rel: string) => string | undefined = () => undefined,
): Promise<Map<string, UntarFile>> {
  const files = new Map<string, UntarFile>();
  const guard = new ArchiveGuard({ maxEntryBytes: lim.maxEntryBytes, maxTotalBytes: lim.maxTotalBytes, maxEntries: lim.maxEntries });
  let problem: LeptonError | undefined;
  const fail = (message: string): void => {
    problem ??= refuse(message);
  };

  const parser = new tar.Parser({
    strict: true,
    maxMetaEntrySize: MAX_META_BYTES,
    onReadEntry: (entry) => {
      if (problem) return void entry.resume();
      const path = entry.path.replace(/^\.\//, '');
      const isFile = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
      // Stricter than the shared guard: a photon holds regular files only, never links.
      if (!isFile && entry.type !== 'Directory') return void (fail(`entry '${path}' is a ${entry.type}; only regular files are allowed`), entry.resume());
      let rel: string;
      try {
        rel = guard.check({ path, type: isFile ? 'file' : 'directory', size: isFile ? (entry.size ?? 0) : 0 });
      } catch (err) {
        return void (fail((err as Error).message), entry.resume());
      }
      if (!isFile) return void entry.resume();
      const why = pathProblem(rel);
      if (why !== undefined) return void (fail(why), entry.resume());
      if (files.has(rel)) return void (fail(`duplicate entry '${path}'`), entry.resume());
      const declared = entry.size ?? 0;
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let got = 0;
      entry.on('data', (c: Buffer) => {
        got += c.length;
        if (got > declared) return fail(`entry '${path}' holds more than the ${declared} bytes its header declares`);
        if (problem) return;
        hash.update(c);
        chunks.push(c);
      });
      entry.on('end', () => {
        if (!problem) files.set(rel, { data: new Uint8Array(Buffer.concat(chunks, got)), sha256: hash.digest('hex') });
        chunks.length = 0;
      });
    },
  });
  parser.on('warn', (_code: string, msg: string | Error) => fail(`corrupt or truncated (${typeof msg === 'string' ? msg : msg.message})`));
  parser.on('error', (err: Error) => fail(`corrupt or truncated (${err.message})`));

  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  // headers, padding, end blocks and pax records on top of the file bytes themselves
  const maxStream = lim.maxTotalBytes + (lim.maxEntries + 2) * (MAX_META_BYTES + 2048);
  let out = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  const feed = (chunk: Buffer): void => {
    if (head !== undefined) {
      // The tar parser would itself inflate a gzip or zstd stream found inside, synchronously and
      // unbounded: a tar never starts with those bytes (paths have no control characters), so refuse.
      head = Buffer.concat([head, chunk]);
      if (head.length < 4) return;
      if (startsWith(head, [0x1f, 0x8b]) || startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return fail('it holds a compressed stream inside the gzip (nested compression)');
      chunk = head;
      head = undefined;
    }
    parser.write(chunk);
  };
  const sink = new Writable({
    highWaterMark: 0,
    write(chunk: Buffer, _enc, done) {
      out += chunk.length;
      const ratioCap = lim.maxCompressionRatio * gunzip.bytesWritten + RATIO_ALLOWANCE;
      if (out > ratioCap) {
        fail(
          `its compression ratio exceeds ${lim.maxCompressionRatio}× (${out} bytes inflated from the first ${gunzip.bytesWritten} compressed); ` +
            'real models compress 1–3×, so this is a compression bomb or not a photon; pack photons with `lep photon create`',
        );
      } else if (out > maxStream) {
        fail(`its content is larger than ${lim.maxTotalBytes} bytes`);
      } else {
        try {
          feed(chunk);
        } catch (err) {
          fail(`corrupt or truncated (${(err as Error).message})`);
        }
      }
      done(problem);
    },
  });
  const slices = function* (): Generator<Buffer> {
    const buf = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
    for (let o = 0; o < buf.length; o += SLICE) yield buf.subarray(o, o + SLICE);
  };
  try {
    await pipeline(Readable.from(slices(), { objectMode: false, highWaterMark: SLICE }), gunzip, sink);
  } catch (err) {
    if (problem) throw problem;
    throw refuse(`corrupt or truncated gzip (${(err as Error).message})`);
  }
  if (problem) throw problem;
  await new Promise<void>((resolve) => {
    for (const ev of ['end', 'close', 'error', 'abort']) parser.on(ev, () => resolve());
    try {
      if (head !== undefined && head.length > 0) parser.write(head);
      parser.end();
    } catch (err) {
      fail(`corrupt or truncated (${(err as Error).message})`);
      resolve();
    }
  });
  if (problem) throw problem;
  return files;
}
