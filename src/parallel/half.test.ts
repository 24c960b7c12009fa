// bf16 / fp16 conversions, wasm kernels and TS fallback alike, against an independent reference:
// the nearest representable value found by binary search over every 16-bit pattern, ties to even.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { loadWasmKernels } from '../tensor/wasm/loader.js';
import { type HalfConverter, type HalfFormat, jsHalf, wasmHalf } from './half.js';

const wasm = wasmHalf();
const converters: HalfConverter[] = [jsHalf, ...(wasm ? [wasm] : [])];

test('the wasm converter is there whenever the kernel module is built', () => {
  assert.equal(wasm !== null, loadWasmKernels() !== null);
});

/** Positive finite patterns in increasing order, plus the pattern of +inf standing for the first value past the max. */
function ladder(fmt: HalfFormat): { bits: number[]; values: number[] } {
  const bits: number[] = [];
  const values: number[] = [];
  const inf = fmt === 'bf16' ? 0x7f80 : 0x7c00;
  const one = new Float32Array(1);
  const h = new Uint16Array(1);
  for (let b = 0; b <= inf; b++) {
    h[0] = b;
    jsHalf.fromHalf(h, fmt, one);
    bits.push(b);
    // +inf stands at the value one ulp past the largest finite one (where rounding up overflows).
    values.push(b === inf ? (fmt === 'bf16' ? 2 ** 128 : 65536) : one[0]!);
  }
  return { bits, values };
}

function reference(x: number, fmt: HalfFormat, l: { bits: number[]; values: number[] }): number {
  const signBit = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (Number.isNaN(x)) return -1;
  let lo = 0;
  let hi = l.values.length - 1;
  if (a >= l.values[hi]!) return signBit | l.bits[hi]!;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (l.values[mid]! <= a) lo = mid;
    else hi = mid;
  }
  const dl = a - l.values[lo]!;
  const dh = l.values[hi]! - a;
  const pick = dl < dh ? lo : dh < dl ? hi : l.bits[lo]! % 2 === 0 ? lo : hi;
  return signBit | l.bits[pick]!;
}

function samples(): Float32Array {
  const rng = new Rng(7);
  const edge = [0, -0, 1, -1, 65504, 65519.99, 65520, 65536, 1e9, -1e9, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -14, 2 ** -14 - 2 ** -25, 1e-30, 3.4e38, Infinity, -Infinity, NaN, 1 + 2 ** -8, 1 + 2 ** -11, 1 + 3 * 2 ** -11];
  const out = new Float32Array(edge.length + 60000);
  out.set(edge);
  for (let i = edge.length; i < out.length; i++) {
    const mag = 2 ** (rng.uniform(-30, 20));
    out[i] = (rng.next() < 0.5 ? -1 : 1) * mag;
  }
  return out;
}

for (const fmt of ['fp16', 'bf16'] as const) {
  const l = ladder(fmt);
  const xs = samples();
  for (const c of converters) {
    test(`${c.name} ${fmt}: every conversion is the nearest value, ties to even, overflow to inf, NaN kept`, () => {
      const h = new Uint16Array(xs.length);
      c.toHalf(xs, fmt, h);
      for (let i = 0; i < xs.length; i++) {
        const want = reference(xs[i]!, fmt, l);
        if (want === -1) {
          const e = fmt === 'bf16' ? 0x7f80 : 0x7c00;
          assert.ok((h[i]! & e) === e && (h[i]! & ~(e | 0x8000)) !== 0, `NaN became ${h[i]!.toString(16)}`);
        } else assert.equal(h[i], want, `${xs[i]} → ${h[i]!.toString(16)}, want ${want.toString(16)}`);
      }
      // round() is toHalf then fromHalf, in one pass.
      const back = new Float32Array(xs.length);
      c.fromHalf(h, fmt, back);
      const r = new Float32Array(xs.length);
      c.round(xs, fmt, r);
      assert.deepEqual(Buffer.from(r.buffer), Buffer.from(back.buffer));
    });

    test(`${c.name} ${fmt}: all 65536 patterns decode like the reference decoder and re-encode to themselves`, () => {
      const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
      const vals = new Float32Array(65536);
      c.fromHalf(all, fmt, vals);
      const ref = new Float32Array(65536);
      jsHalf.fromHalf(all, fmt, ref);
      const again = new Uint16Array(65536);
      c.toHalf(vals, fmt, again);
      for (let i = 0; i < 65536; i++) {
        if (Number.isNaN(ref[i])) assert.ok(Number.isNaN(vals[i]));
        else {
          assert.ok(Object.is(vals[i], ref[i]), `pattern ${i.toString(16)}`);
          assert.equal(again[i], i);
        }
      }
    });
  }
}
