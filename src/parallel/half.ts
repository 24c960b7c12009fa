/**
 * 16-bit floats for mixed precision: bf16 and IEEE fp16 conversions (round to nearest, ties to
 * even; overflow to ±inf, NaN kept). Node 20 has no Float16Array, so the work runs in the wasm
 * kernel module (src/tensor/wasm/assembly/half.ts, its own instance and memory) in chunks; the
 * TypeScript loops below are the fallback when the module is missing or predates these kernels.
 */
import { loadWasmKernels } from '../tensor/wasm/loader.js';
import { PAGE } from '../tensor/wasm/wasm-api.js';

export type HalfFormat = 'bf16' | 'fp16';

export interface HalfConverter {
  readonly name: 'wasm' | 'js';
  /** dst[i] = 16-bit pattern of src[i]. */
  toHalf(src: Float32Array, fmt: HalfFormat, dst: Uint16Array): void;
  /** dst[i] = value of the 16-bit pattern src[i]. */
  fromHalf(src: Uint16Array, fmt: HalfFormat, dst: Float32Array): void;
  /** dst[i] = src[i] rounded to the nearest 16-bit value (dst may be src). */
  round(src: Float32Array, fmt: HalfFormat, dst: Float32Array): void;
}

const f = new Float32Array(1);
const u = new Uint32Array(f.buffer);

function bf16Bits(b: number): number {
  if ((b & 0x7fffffff) >>> 0 > 0x7f800000) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

function f16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const a = x & 0x7fffffff;
  if (a >= 0x47800000) return sign | (a > 0x7f800000 ? 0x7e00 : 0x7c00);
  if (a < 0x38800000) {
    u[0] = a;
    f[0] = f[0]! + 0.5; // the same FPU-rounding trick as the wasm kernel
    return sign | (u[0]! - 0x3f000000);
  }
  return sign | (((a + 0xc8000fff + ((a >>> 13) & 1)) >>> 13) & 0xffff);
}

function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

export const jsHalf: HalfConverter = {
  name: 'js',
  toHalf(src, fmt, dst) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < src.length; i++) dst[i] = fmt === 'bf16' ? bf16Bits(bits[i]!) : f16Bits(bits[i]!);
  },
  fromHalf(src, fmt, dst) {
    if (fmt === 'bf16') {
      const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
      for (let i = 0; i < src.length; i++) out[i] = src[i]! << 16;
    } else for (let i = 0; i < src.length; i++) dst[i] = f16Value(src[i]!);
  },
  round(src, fmt, dst) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    if (fmt === 'bf16') for (let i = 0; i < src.length; i++) out[i] = bf16Bits(bits[i]!) << 16;
    else for (let i = 0; i < src.length; i++) dst[i] = f16Value(f16Bits(bits[i]!));
  },
};

interface HalfExports {
  heapBase(): number;
  f32ToBf16(src: number, dst: number, n: number): void;
  bf16ToF32(src: number, dst: number, n: number): void;
  roundBf16(src: number, dst: number, n: number): void;
  f32ToF16(src: number, dst: number, n: number): void;
  f16ToF32(src: number, dst: number, n: number): void;
  roundF16(src: number, dst: number, n: number): void;
}

/** Values per wasm call: 1 MiB of f32 in, up to 1 MiB out. */
const CHUNK = 1 << 18;

/** The wasm converter, or null when the built module lacks the half kernels. */
export function wasmHalf(): HalfConverter | null {
  const w = loadWasmKernels();
  const ex = w?.exports as unknown as HalfExports | undefined;
  if (!w || !ex || typeof ex.roundF16 !== 'function') return null;
  const a = Math.ceil(ex.heapBase() / 64) * 64;
  const b = a + 4 * CHUNK;
  const need = b + 4 * CHUNK;
  const have = w.memory.buffer.byteLength;
  if (need > have) w.memory.grow(Math.ceil((need - have) / PAGE));
  const f32 = new Float32Array(w.memory.buffer);
  const u16 = new Uint16Array(w.memory.buffer);
  return {
    name: 'wasm',
    toHalf(src, fmt, dst) {
      for (let off = 0; off < src.length; off += CHUNK) {
        const n = Math.min(CHUNK, src.length - off);
        f32.set(src.subarray(off, off + n), a >> 2);
        (fmt === 'bf16' ? ex.f32ToBf16 : ex.f32ToF16)(a, b, n);
        dst.set(u16.subarray(b >> 1, (b >> 1) + n), off);
      }
    },
    fromHalf(src, fmt, dst) {
      for (let off = 0; off < src.length; off += CHUNK) {
        const n = Math.min(CHUNK, src.length - off);
        u16.set(src.subarray(off, off + n), a >> 1);
        (fmt === 'bf16' ? ex.bf16ToF32 : ex.f16ToF32)(a, b, n);
        dst.set(f32.subarray(b >> 2, (b >> 2) + n), off);
      }
    },
    round(src, fmt, dst) {
      for (let off = 0; off < src.length; off += CHUNK) {
        const n = Math.min(CHUNK, src.length - off);
        f32.set(src.subarray(off, off + n), a >> 2);
        (fmt === 'bf16' ? ex.roundBf16 : ex.roundF16)(a, a, n);
        dst.set(f32.subarray(a >> 2, (a >> 2) + n), off);
      }
    },
  };
}

let active: HalfConverter | undefined;

/** The converter in use: wasm when the kernel module has the half kernels, else the TS loops. */
export function halfConverter(): HalfConverter {
  return (active ??= wasmHalf() ?? jsHalf);
}

export function toHalf(src: Float32Array, fmt: HalfFormat, dst = new Uint16Array(src.length)): Uint16Array {
  halfConverter().toHalf(src, fmt, dst);
  return dst;
}

export function fromHalf(src: Uint16Array, fmt: HalfFormat, dst = new Float32Array(src.length)): Float32Array {
  halfConverter().fromHalf(src, fmt, dst);
  return dst;
}

/** Round to the nearest 16-bit value in place (or into `dst`). */
export function roundHalf(src: Float32Array, fmt: HalfFormat, dst = src): Float32Array {
  halfConverter().round(src, fmt, dst);
  return dst;
}
