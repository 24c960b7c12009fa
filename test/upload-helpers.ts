/**
 * Helpers for the hostile-upload tests: ustar headers written byte by byte (so a header can lie),
 * gzip built by streaming (a 1 GiB bomb costs the test ~1 MB, never 1 GiB), a POST of an archive to
 * the platform, a /healthz poller that records the slowest answer and the longest silence, and RSS.
 */
import { createGzip, constants } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import { authHeaders } from './platform-helpers.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export interface HeaderOptions {
  /** ustar typeflag (default '0', a file). */
  type?: string;
  /** Raw bytes for the 12-byte size field (a lie, garbage or base-256), instead of the octal size. */
  sizeField?: Buffer;
  /** Leave the checksum wrong. */
  badChecksum?: boolean;
}

/** One 512-byte ustar header for `name` declaring `size` bytes. */
export function ustarHeader(name: string, size: number, opts: HeaderOptions = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'latin1');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  if (opts.sizeField) opts.sizeField.copy(h, 124, 0, 12);
  else h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(opts.type ?? '0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${(opts.badChecksum ? sum + 7 : sum).toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

const ZERO_MIB = Buffer.alloc(MiB);

/** `n` zero bytes as chunks of one shared 1 MiB buffer (never modified, so sharing is safe). */
export function* zeros(n: number): Generator<Buffer> {
  for (let left = n; left > 0; left -= MiB) yield left >= MiB ? ZERO_MIB : ZERO_MIB.subarray(0, left);
}

/** A tar entry: header, the data (or `size` zeros), padding to 512. */
export function* tarEntry(name: string, size: number, data?: Buffer, opts: HeaderOptions = {}): Generator<Buffer> {
  yield ustarHeader(name, size, opts);
  if (data) yield data;
  else yield* zeros(size);
  const len = data ? data.length : size;
  if (len % 512 !== 0) yield Buffer.alloc(512 - (len % 512));
}

export const TAR_END = Buffer.alloc(1024);

/**
 * Gzip `parts` as a stream, with backpressure: memory is the compressed output only. Z_RLE gives
 * deflate's full ~1030× ratio on zeros at ~1 GiB/s, so a 1 GiB bomb builds in well under a second.
 */
export async function gzipParts(parts: Iterable<Buffer>, options: { level?: number; rle?: boolean } = {}): Promise<Buffer> {
  const gz = createGzip({ level: options.level ?? 6, chunkSize: MiB, ...(options.rle === false ? {} : { strategy: constants.Z_RLE }) });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  for (const part of parts) {
    if (!gz.write(part)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

export interface UploadAnswer {
  status: number;
  code?: string;
  message?: string;
  text: string;
  ms: number;
}

/** POST an archive to `/api/v1/photons` as the admin. */
export async function postPhoton(p: { url: string }, body: Uint8Array): Promise<UploadAnswer> {
  const t0 = Date.now();
  const r = await request(`${p.url}/api/v1/photons`, {
    method: 'POST',
    headers: { ...authHeaders(p), 'content-type': 'application/octet-stream' },
    body,
  });
  const text = await r.body.text();
  let code: string | undefined;
  let message: string | undefined;
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    code = e?.code;
    message = e?.message;
  } catch {
    // not JSON: the assertions on `code` report it
  }
  return { status: r.statusCode, text, ms: Date.now() - t0, ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) };
}

export interface HealthWatch {
  /** Slowest /healthz answer, ms. */
  maxLatencyMs: number;
  /** Longest time between two answers (in-process, a frozen event loop shows here), ms. */
  maxGapMs: number;
  answers: number;
  failures: string[];
}

/** Poll `/healthz` every `everyMs` on its own connection until `stop()`. */
export function watchHealth(p: { url: string }, everyMs = 50): { stop(): Promise<HealthWatch> } {
  const w: HealthWatch = { maxLatencyMs: 0, maxGapMs: 0, answers: 0, failures: [] };
  const dispatcher = new Agent({ connections: 1 });
  let running = true;
  let last = Date.now();
  const loop = (async () => {
    while (running) {
      const t0 = Date.now();
      try {
        const r = await request(`${p.url}/healthz`, { dispatcher, headersTimeout: 10_000, bodyTimeout: 10_000 });
        await r.body.text();
        if (r.statusCode !== 200) w.failures.push(`status ${r.statusCode}`);
      } catch (err) {
        w.failures.push((err as Error).message);
      }
      const now = Date.now();
      w.maxLatencyMs = Math.max(w.maxLatencyMs, now - t0);
      w.maxGapMs = Math.max(w.maxGapMs, now - last);
      last = now;
      w.answers++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await dispatcher.close();
      return w;
    },
  };
}

let gcFn: (() => void) | undefined;

/** RSS after a full GC (gc exposed at run time through V8 flags) and a short settle. */
export async function settledRss(settleMs = 300): Promise<number> {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  for (let i = 0; i < 3; i++) {
    gcFn();
    await new Promise((r) => setTimeout(r, settleMs / 3));
  }
  return process.memoryUsage().rss;
}
