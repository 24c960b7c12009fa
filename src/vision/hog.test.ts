/**
 * The tuned HOG — the WebAssembly SIMD kernel and the JS fallback (plan cache, atan2-free
 * orientation, per-cell squares) — against the straightforward implementation it replaced, kept
 * here as the reference: same features to float tolerance on random images, flat patches,
 * exact-tie gradients, real digits and non-default geometries (SIMD body and scalar edges).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hog, hogJs, hogShape, unsignedAngle, type HogOptions } from './hog.js';
import { hogKernel } from '../tensor/wasm/hog-api.js';
import { loadDataset } from '../data/index.js';
import { requireWasm } from '../tensor/wasm/wasm-build.fixture.js';

/** The pre-tuning implementation, verbatim in its arithmetic. */
function hogReference(img: Float32Array, h: number, w: number, options: HogOptions = {}): Float32Array {
  const cs = options.cellSize ?? 4, bs = options.blockSize ?? 2, bins = options.bins ?? 9, clip = options.clip ?? 0.2;
  const s = hogShape(h, w, options);
  const cells = new Float32Array(s.cellsY * s.cellsX * bins);
  const binWidth = Math.PI / bins;
  for (let y = 0; y < s.cellsY * cs; y++) {
    for (let x = 0; x < s.cellsX * cs; x++) {
      const gx = img[y * w + Math.min(w - 1, x + 1)]! - img[y * w + Math.max(0, x - 1)]!;
      const gy = img[Math.min(h - 1, y + 1) * w + x]! - img[Math.max(0, y - 1) * w + x]!;
      const mag = Math.sqrt(gx * gx + gy * gy);
      if (mag === 0) continue;
      let ang = Math.atan2(gy, gx);
      if (ang < 0) ang += Math.PI;
      const pos = ang / binWidth - 0.5;
      const b0 = Math.floor(pos);
      const frac = pos - b0;
      const c = (Math.floor(y / cs) * s.cellsX + Math.floor(x / cs)) * bins;
      cells[c + ((b0 + bins) % bins)]! += mag * (1 - frac);
      cells[c + ((b0 + 1) % bins)]! += mag * frac;
    }
  }
  const res = new Float32Array(s.length);
  const len = bs * bs * bins;
  let o = 0;
  for (let by = 0; by < s.blocksY; by++) {
    for (let bx = 0; bx < s.blocksX; bx++) {
      const start = o;
      for (let cy = 0; cy < bs; cy++) for (let cx = 0; cx < bs; cx++) {
        const c = ((by + cy) * s.cellsX + bx + cx) * bins;
        for (let b = 0; b < bins; b++) res[o++] = cells[c + b]!;
      }
      let q = 0;
      for (let i = start; i < start + len; i++) q += res[i]! ** 2;
      let inv = 1 / Math.sqrt(q + 1e-10);
      q = 0;
      for (let i = start; i < start + len; i++) {
        const v = Math.min(clip, res[i]! * inv);
        res[i] = v;
        q += v * v;
      }
      inv = 1 / Math.sqrt(q + 1e-10);
      for (let i = start; i < start + len; i++) res[i]! *= inv;
    }
  }
  return res;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('unsignedAngle matches atan2 folded to [0, π) within 3e-7 rad, ties included', () => {
  const r = rng(1);
  for (let i = 0; i < 20000; i++) {
    const gx = (r() - 0.5) * (i % 3 === 0 ? 1e-3 : 2);
    const gy = i % 7 === 0 ? 0 : (r() - 0.5) * 2;
    let ref = Math.atan2(gy, gx);
    if (ref < 0) ref += Math.PI;
    const got = unsignedAngle(gx, gy);
    // 0 and π are the same orientation (gy = 0, gx < 0): compare on the circle of period π.
    const d = Math.abs(got - ref);
    assert.ok(Math.min(d, Math.PI - d) < 3e-7, `gx=${gx} gy=${gy}: ${got} vs ${ref}`);
  }
  for (const [gx, gy] of [[1, 1], [-1, 1], [1, -1], [0, 1], [0, -1], [1, 0], [-1, 0], [0.25, 0.25]] as const) {
    let ref = Math.atan2(gy, gx);
    if (ref < 0) ref += Math.PI;
    const d = Math.abs(unsignedAngle(gx, gy) - ref);
    assert.ok(Math.min(d, Math.PI - d) < 3e-7, `${gx},${gy}`);
  }
});

test('hog matches the reference on random, flat, quantised and odd-sized images', () => {
  const r = rng(7);
  const cases: [number, number, HogOptions][] = [[28, 28, {}], [31, 29, { cellSize: 5, blockSize: 3, bins: 12, clip: 0.3 }], [16, 24, { bins: 6 }], [20, 22, { blockSize: 3, bins: 7 }], [13, 9, { cellSize: 3, blockSize: 1 }]];
  for (const [h, w, o] of cases) {
    for (const kind of ['random', 'flat', 'quantised', 'bars']) {
      const img = new Float32Array(h * w);
      for (let i = 0; i < img.length; i++) {
        const y = Math.floor(i / w), x = i % w;
        img[i] = kind === 'random' ? r() : kind === 'flat' ? 0.5 : kind === 'quantised' ? Math.round(r() * 4) / 4 : (x + 2 * y) % 5 < 2 ? 1 : 0;
      }
      const ref = hogReference(img, h, w, o);
      for (const [name, f] of [['hog', hog], ['hogJs', hogJs]] as const) {
        const d = maxAbsDiff(f(img, h, w, o), ref);
        assert.ok(d < 1e-5, `${name} ${kind} ${h}x${w}: max diff ${d}`);
      }
    }
  }
});

test('hog matches the reference on real digits (mnist-small) and after switching geometry', () => {
  const ds = loadDataset('mnist-small').train;
  const n = Math.min(500, ds.n);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const img = ds.x.subarray(i * 784, (i + 1) * 784);
    const ref = hogReference(img, 28, 28);
    worst = Math.max(worst, maxAbsDiff(hog(img, 28, 28), ref), maxAbsDiff(hogJs(img, 28, 28), ref));
    // Alternate geometries so the cached plan is rebuilt and reused.
    if (i % 50 === 0) {
      const o = { cellSize: 7, bins: 8 };
      assert.ok(maxAbsDiff(hog(img, 28, 28, o), hogReference(img, 28, 28, o)) < 1e-5);
      assert.ok(maxAbsDiff(hogJs(img, 28, 28, o), hogReference(img, 28, 28, o)) < 1e-5);
    }
  }
  assert.ok(worst < 1e-5, `max diff ${worst}`);
});

test('the WebAssembly kernel is the one hog() uses when the module is built', () => {
  const k = requireWasm(hogKernel(), 'HOG kernel');
  const img = new Float32Array(28 * 28).map((_, i) => ((i * 37) % 11) / 10);
  const out = new Float32Array(1296);
  assert.equal(k.hog(img, 28, 28, 4, 2, 9, 0.2, out), true);
  assert.deepEqual(hog(img, 28, 28), out);
  // Different rounding (f32 here, f64 in JS): the paths agree closely but are not the same code.
  assert.ok(maxAbsDiff(out, hogJs(img, 28, 28)) < 1e-5);
});
