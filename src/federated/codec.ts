/**
 * The federated wire and checkpoint format: a few named float32/uint32 arrays behind a small JSON
 * header, so a 200k-parameter update is 800 KB of raw little-endian numbers, not 3 MB of JSON text.
 *
 *   bytes 0-3   magic "LFL1"
 *   bytes 4-7   u32 LE header length H (≤ 64 KiB)
 *   8 … 8+H     UTF-8 JSON {"meta": {...}, "arrays": [{"name", "dtype": "f32"|"u32", "length"}]}
 *   padding     zero bytes up to a multiple of 4
 *   payload     each array's raw little-endian values, in header order; nothing after the last one
 *
 * Decoding checks every length against the bytes actually present, so a truncated or padded body
 * is refused (LEPTON_ERR_INVALID_INPUT) instead of being read as a shorter or longer tensor.
 */
import { endianness } from 'node:os';
import { LeptonError } from '../core/errors.js';

export const CODEC_MAGIC = 'LFL1';
export const CODEC_CONTENT_TYPE = 'application/x-lepton-fl';
const MAX_HEADER = 64 * 1024;

if (endianness() !== 'LE') throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'the federated codec needs a little-endian machine');

export type NamedArray = { name: string; data: Float32Array | Uint32Array };

export interface Bundle {
  meta: Record<string, unknown>;
  arrays: NamedArray[];
}

const bad = (m: string): LeptonError => new LeptonError('LEPTON_ERR_INVALID_INPUT', `federated payload: ${m}`);

/** Serialise meta and arrays into one buffer. */
export function encodeBundle(b: Bundle): Uint8Array {
  const head = Buffer.from(
    JSON.stringify({ meta: b.meta, arrays: b.arrays.map((a) => ({ name: a.name, dtype: a.data instanceof Float32Array ? 'f32' : 'u32', length: a.data.length })) }),
    'utf8',
  );
  if (head.length > MAX_HEADER) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'federated payload header too large');
  const start = (8 + head.length + 3) & ~3;
  const total = start + b.arrays.reduce((s, a) => s + a.data.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(Buffer.from(CODEC_MAGIC, 'ascii'), 0);
  new DataView(out.buffer).setUint32(4, head.length, true);
  out.set(head, 8);
  let off = start;
  for (const a of b.arrays) {
    out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), off);
    off += a.data.byteLength;
  }
  return out;
}

/** Parse a buffer written by encodeBundle. Arrays are fresh copies (aligned, safe to keep). */
export function decodeBundle(buf: Uint8Array): Bundle {
  if (buf.length < 8 || Buffer.from(buf.subarray(0, 4)).toString('ascii') !== CODEC_MAGIC) throw bad('missing LFL1 magic');
  const h = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(4, true);
  if (h > MAX_HEADER || 8 + h > buf.length) throw bad('header length out of range');
  let head: unknown;
  try {
    head = JSON.parse(Buffer.from(buf.subarray(8, 8 + h)).toString('utf8'));
  } catch {
    throw bad('header is not JSON');
  }
  const { meta, arrays } = (head ?? {}) as { meta?: unknown; arrays?: unknown };
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !Array.isArray(arrays)) throw bad('header needs meta and arrays');
  let off = (8 + h + 3) & ~3;
  const out: NamedArray[] = [];
  for (const a of arrays as Array<Record<string, unknown>>) {
    const { name, dtype, length } = a ?? {};
    if (typeof name !== 'string' || (dtype !== 'f32' && dtype !== 'u32') || !Number.isInteger(length) || (length as number) < 0) throw bad('bad array entry');
    const bytes = (length as number) * 4;
    if (off + bytes > buf.length) throw bad(`array ${JSON.stringify(name)} runs past the end of the body`);
    // Uint8Array's slice copies (Buffer's would be a view into a pooled buffer at an unknown offset)
    const copy = Uint8Array.prototype.slice.call(buf, off, off + bytes);
    out.push({ name, data: dtype === 'f32' ? new Float32Array(copy.buffer, 0, length as number) : new Uint32Array(copy.buffer, 0, length as number) });
    off += bytes;
  }
  if (off !== buf.length) throw bad(`${buf.length - off} trailing bytes after the last array`);
  return { meta: meta as Record<string, unknown>, arrays: out };
}

/** The array called `name`, checked for dtype and length (400 SHAPE_MISMATCH otherwise). */
export function requireArray<T extends 'f32' | 'u32'>(b: Bundle, name: string, dtype: T, length: number): T extends 'f32' ? Float32Array : Uint32Array {
  const a = b.arrays.find((x) => x.name === name);
  if (!a) throw bad(`no array ${JSON.stringify(name)}`);
  const ok = dtype === 'f32' ? a.data instanceof Float32Array : a.data instanceof Uint32Array;
  if (!ok) throw new LeptonError('LEPTON_ERR_DTYPE', `array ${JSON.stringify(name)} must be ${dtype}`);
  if (a.data.length !== length) {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `array ${JSON.stringify(name)} has ${a.data.length} values, the task's model has ${length}`, {
      details: { expected: length, got: a.data.length },
    });
  }
  return a.data as T extends 'f32' ? Float32Array : Uint32Array;
}
