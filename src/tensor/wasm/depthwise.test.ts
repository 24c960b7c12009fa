// The WebAssembly depthwise 3×3 kernel (assembly/depthwise.ts) against the TypeScript loops of
// ops/grouped-conv.ts on edge shapes (widths not a multiple of four, single pixels, odd sizes at
// stride 2), one and two threads, batches cut into chunks, accumulation into existing gradients;
// and conv2d's gradients through it against finite differences.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { Tensor } from '../tensor.js';
import { gradCheck } from '../gradcheck.js';
import { kernels, mul, sum } from '../index.js';
import { conv2d } from '../ops/conv.js';
import { depthwiseBackward, depthwiseForward, type GroupedGeometry } from '../ops/grouped-conv.js';
import { createWasmKernels, type WasmKernels } from '../kernels/wasm.js';
import { loadWasmKernels } from './loader.js';
import { requireWasm } from './wasm-build.fixture.js';

const rng = new Rng(23);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

const loaded = loadWasmKernels();
const backends: Array<[string, WasmKernels]> = loaded
  ? [
      ['1 thread', createWasmKernels(loaded, { threads: 1 })],
      // Two threads on every job, and chunks of a few images, so both paths run at test sizes.
      ['2 threads, small chunks', createWasmKernels(loaded, { threads: 2, parallelMinFlops: 0, adaptiveThreads: false, convChunkBytes: 4096 })],
    ]
  : [];
after(async () => {
  for (const [, k] of backends) await k.close();
});

// [n, c, h, w, stride]
const SHAPES: Array<[number, number, number, number, 1 | 2]> = [
  [1, 1, 1, 1, 1],
  [1, 2, 1, 1, 2],
  [2, 3, 5, 5, 1],
  [3, 4, 7, 9, 2],
  [2, 3, 6, 5, 2],
  [1, 2, 2, 3, 2],
  [2, 5, 28, 28, 1],
  [2, 6, 28, 28, 2],
  [3, 4, 14, 14, 2],
  [2, 3, 7, 7, 1],
  [1, 2, 4, 13, 1],
  [2, 2, 13, 4, 2],
];

const geometry = (n: number, c: number, h: number, w: number, s: number): GroupedGeometry => {
  const oh = Math.floor((h + 2 - 3) / s) + 1;
  const ow = Math.floor((w + 2 - 3) / s) + 1;
  return { n, o: c, c, groups: c, h, w, kh: 3, kw: 3, sh: s, sw: s, ph: 1, pw: 1, oh, ow };
};

const close = (got: Float32Array, want: Float32Array, what: string) => {
  assert.equal(got.length, want.length);
  for (let i = 0; i < got.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > 1e-4 * (1 + Math.abs(want[i]!))) assert.fail(`${what}: [${i}] ${got[i]} vs ${want[i]}`);
  }
};

test('the wasm backend offers the depthwise 3×3 kernels', () => {
  requireWasm(loaded);
  for (const [, K] of backends) {
    assert.equal(typeof K.depthwise3x3Forward, 'function');
    assert.equal(typeof K.depthwise3x3Backward, 'function');
  }
});

for (const [label, K] of backends) {
  for (const [n, c, h, w, s] of SHAPES) {
    test(`${label}: depthwise ${n}×${c}×${h}×${w} stride ${s} matches the TypeScript loops`, () => {
      const g = geometry(n, c, h, w, s);
      const x = rand(n * c * h * w);
      const wt = rand(c * 9);
      const bias = rand(c);
      const gy = rand(n * c * g.oh * g.ow);
      const batch = { n, c, h, w, stride: s, oh: g.oh, ow: g.ow, x, weights: wt };

      const want = new Float32Array(n * c * g.oh * g.ow);
      depthwiseForward(x, wt, bias, g, want);
      const got = rand(want.length); // overwritten, not accumulated
      assert.ok(K.depthwise3x3Forward!({ ...batch, bias, y: got }));
      close(got, want, 'y');
      const noBias = new Float32Array(want.length);
      depthwiseForward(x, wt, null, g, noBias);
      assert.ok(K.depthwise3x3Forward!({ ...batch, bias: null, y: got }));
      close(got, noBias, 'y without bias');

      // Gradients accumulate into what is already there.
      const gx0 = rand(x.length), gw0 = rand(wt.length), gb0 = rand(c);
      const [gxW, gwW, gbW] = [Float32Array.from(gx0), Float32Array.from(gw0), Float32Array.from(gb0)];
      depthwiseBackward(x, wt, gy, g, gxW, gwW, gbW);
      const [gxG, gwG, gbG] = [Float32Array.from(gx0), Float32Array.from(gw0), Float32Array.from(gb0)];
      assert.ok(K.depthwise3x3Backward!({ ...batch, gy, gx: gxG, gw: gwG, gb: gbG }));
      close(gxG, gxW, 'gx');
      close(gwG, gwW, 'gw');
      close(gbG, gbW, 'gb');

      // Each target alone (the kernel skips the work of the others).
      const gxOnly = Float32Array.from(gx0);
      assert.ok(K.depthwise3x3Backward!({ ...batch, gy, gx: gxOnly, gw: null, gb: null }));
      close(gxOnly, gxW, 'gx alone');
      const gwOnly = Float32Array.from(gw0);
      assert.ok(K.depthwise3x3Backward!({ ...batch, gy, gx: null, gw: gwOnly, gb: null }));
      close(gwOnly, gwW, 'gw alone');
    });
  }
}

test('conv2d through the wasm depthwise kernel: gradients match finite differences', () => {
  requireWasm(kernels().name === 'wasm', 'the active kernel backend');
  for (const [h, w, s] of [[6, 6, 1], [7, 5, 2], [5, 9, 1]] as const) {
    const c = 3;
    const x = Tensor.randn([2, c, h, w], rng, 1, 0, true);
    const wt = Tensor.randn([c, 1, 3, 3], rng, 1, 0, true);
    const b = Tensor.randn([c], rng, 1, 0, true);
    const y0 = conv2d(x, wt, b, { stride: s, padding: 1, groups: c });
    const r = Tensor.from(Array.from({ length: y0.size }, (_, i) => Math.cos(i)), y0.shape);
    const res = gradCheck(() => sum(mul(conv2d(x, wt, b, { stride: s, padding: 1, groups: c }), r)), [x, wt, b]);
    assert.ok(res.maxAbsErr < 2e-3, `${h}×${w} stride ${s}: ${JSON.stringify(res)}`);
  }
});
