/**
 * Compact JSON-safe encodings for model arrays: float32/int32 data as base64 of the raw little-
 * endian bytes, so a fitted model's toJSON() stays small and round-trips bit-exactly.
 */
import { LeptonError } from '../core/errors.js';

export function f32ToB64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function bytes(s: unknown, width: number, what: string): Buffer {
  if (typeof s !== 'string') throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${what}: expected a base64 string`);
  const b = Buffer.from(s, 'base64');
  if (b.length % width !== 0) throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${what}: byte length ${b.length} is not a multiple of ${width}`);
  return b;
}

export function b64ToF32(s: unknown, what = 'array', expected?: number): Float32Array {
  const b = bytes(s, 4, what);
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  if (expected !== undefined && out.length !== expected) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${what}: ${out.length} values, expected ${expected}`);
  }
  return out;
}

export function f64ToB64(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function b64ToF64(s: unknown, what = 'array', expected?: number): Float64Array {
  const b = bytes(s, 8, what);
  const out = new Float64Array(b.length / 8);
  new Uint8Array(out.buffer).set(b);
  if (expected !== undefined && out.length !== expected) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${what}: ${out.length} values, expected ${expected}`);
  }
  return out;
}

/** A required finite number field of a parsed model. */
export function num(obj: Record<string, unknown>, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `model field '${key}' must be a number`);
  return v;
}

/** A required number[] field of a parsed model. */
export function numArray(obj: Record<string, unknown>, key: string): number[] {
  const v = obj[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `model field '${key}' must be an array of numbers`);
  }
  return v as number[];
}
