// The WebAssembly backend beyond the shared suite: edge sizes, both builds, the two-thread path,
// aliasing, memory growth and the fallbacks. Every case is checked against a float64 reference.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { LeptonError } from '../../core/errors.js';
import { availableBackends, jsKernels, kernels, type ConvGeometry, type Kernels, type PoolGeometry } from './index.js';
import { createWasmKernels } from './wasm.js';
import { loadWasmKernels } from '../wasm/loader.js';

const rng = new Rng(17);
const randArr = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

function reference(tA: boolean, tB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = tA ? a[p * m + i]! : a[i * k + p]!;
      for (let j = 0; j < n; j++) c[i * n + j]! += av * (tB ? b[j * k + p]! : b[p * n + j]!);
    }
  return c;
}

function checkGemm(K: Kernels, tA: boolean, tB: boolean, m: number, n: number, k: number): void {
  const a = randArr(m * k);
  const b = randArr(k * n);
  const ref = reference(tA, tB, m, n, k, a, b);
  const c = randArr(m * n);
  const c0 = Float32Array.from(c);
  K.gemm(tA, tB, m, n, k, a, b, c, true);
  const tol = 1e-5 * Math.sqrt(k) + 1e-6;
  for (let i = 0; i < m * n; i++) {
    if (Math.abs(c[i]! - c0[i]! - ref[i]!) > tol * (1 + Math.abs(ref[i]!))) assert.fail(`${K.name} ${m}x${n}x${k} tA=${tA} tB=${tB}: [${i}] ${c[i]! - c0[i]!} vs ${ref[i]}`);
  }
}

const EDGE: Array<[number, number, number]> = [[1, 1, 1], [1, 37, 5], [37, 1, 5], [2, 3, 1], [13, 31, 97], [31, 13, 7], [4, 8, 256], [5, 9, 257], [3, 11, 1500], [67, 71, 73]];

test('the wasm backend is built, registered and the default', () => {
  assert.ok(availableBackends().includes('wasm'), 'no wasm backend: build it with `node scripts/build-wasm.mjs` (npm install runs it)');
  assert.equal(kernels().name, 'wasm');
});

const loaded = loadWasmKernels();
assert.ok(loaded, 'build/lepton-kernels*.wasm missing or unusable: run `node scripts/build-wasm.mjs`');
const single = createWasmKernels(loaded, { threads: 1 });
// Every GEMM goes through the helper-thread protocol, however small.
const dual = createWasmKernels(loaded, { threads: 2, parallelMinFlops: 0, adaptiveThreads: false });
after(() => dual.close());

for (const [name, K] of [['js', jsKernels], ['wasm 1 thread', single], ['wasm 2 threads', dual]] as const) {
  test(`${name}: gemm edge sizes (1, primes, k past the block size) in all transpose modes`, () => {
    for (const [m, n, k] of EDGE) for (const tA of [false, true]) for (const tB of [false, true]) checkGemm(K, tA, tB, m, n, k);
  });

  test(`${name}: inputs may alias each other and be offset views; c's neighbours are untouched`, () => {
    const m = 9, k = 21;
    const x = randArr(m * k);
    const ref = reference(false, true, m, m, k, x, x); // x·xᵀ with a === b
    const store = randArr(m * m + 10);
    const before = Float32Array.from(store);
    const c = store.subarray(5, 5 + m * m);
    K.gemm(false, true, m, m, k, x, x, c, false);
    for (let i = 0; i < m * m; i++) assert.ok(Math.abs(c[i]! - ref[i]!) < 1e-4);
    for (const i of [0, 1, 2, 3, 4, m * m + 5, m * m + 9]) assert.equal(store[i], before[i]);
    const big = randArr(3 + m * k);
    const view = big.subarray(3, 3 + m * k);
    const c2 = new Float32Array(m * m);
    K.gemm(false, true, m, m, k, view, view, c2, false);
    const ref2 = reference(false, true, m, m, k, view, view);
    for (let i = 0; i < m * m; i++) assert.ok(Math.abs(c2[i]! - ref2[i]!) < 1e-4);
  });
}

test('wasm 2 threads: many back-to-back jobs of changing shape stay exact (no stale claims)', () => {
  for (let r = 0; r < 120; r++) {
    const m = 1 + ((r * 37) % 70), n = 1 + ((r * 53) % 90), k = 1 + ((r * 29) % 60);
    checkGemm(dual, r % 2 === 0, r % 3 === 0, m, n, k);
  }
  checkGemm(dual, false, true, 128, 128, 784);
  checkGemm(dual, true, false, 128, 784, 128);
  assert.ok(dual.stats().parallelJobs > 100, 'the helper was woken for every job');
});

test('the plain SIMD build (no fused multiply-add) is correct too', () => {
  const plain = loadWasmKernels({ relaxedSimd: false });
  assert.ok(plain && !plain.relaxed);
  const K = createWasmKernels(plain, { threads: 1 });
  for (const [m, n, k] of EDGE) for (const tA of [false, true]) for (const tB of [false, true]) checkGemm(K, tA, tB, m, n, k);
});

test('linear memory grows for large operands, and small calls still work afterwards', () => {
  const own = loadWasmKernels();
  assert.ok(own);
  const K = createWasmKernels(own, { threads: 1 });
  checkGemm(K, false, false, 5, 6, 7);
  const before = own.memory.buffer.byteLength;
  checkGemm(K, true, true, 300, 200, 250); // ~1.4 MB of operands and packs
  assert.ok(own.memory.buffer.byteLength > before, 'memory did not grow');
  checkGemm(K, false, true, 3, 4, 5);
});

test('operands that cannot fit under the memory cap fall back to the JS kernels', () => {
  const capped = loadWasmKernels({ maxPages: 4 }); // 256 KiB
  assert.ok(capped);
  const K = createWasmKernels(capped, { threads: 1 });
  checkGemm(K, false, true, 160, 150, 170); // needs ~0.5 MB
  assert.equal(capped.memory.buffer.byteLength <= 4 * 65536, true);
});

test('a missing build yields no backend instead of an error', () => {
  assert.equal(loadWasmKernels({ dir: '/nonexistent-lepton-build' }), null);
});

test('short operands are a shape error, not a silent read of stale memory', () => {
  assert.throws(() => single.gemm(false, false, 4, 4, 4, new Float32Array(15), new Float32Array(16), new Float32Array(16), false), (e) => e instanceof LeptonError && e.code === 'LEPTON_ERR_SHAPE_MISMATCH');
});

test('wasm im2col / col2im equal the JS kernels on strided, padded and degenerate geometries', () => {
  const geoms: Array<Omit<ConvGeometry, 'oh' | 'ow'>> = [
    { c: 1, h: 28, w: 28, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2 },
    { c: 3, h: 7, w: 9, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 },
    { c: 2, h: 5, w: 6, kh: 3, kw: 2, sh: 1, sw: 3, ph: 0, pw: 1 },
    { c: 2, h: 4, w: 4, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 },
    { c: 1, h: 3, w: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 4, pw: 4 }, // padding wider than the image
  ];
  for (const g0 of geoms) {
    const g: ConvGeometry = { ...g0, oh: Math.floor((g0.h + 2 * g0.ph - g0.kh) / g0.sh) + 1, ow: Math.floor((g0.w + 2 * g0.pw - g0.kw) / g0.sw) + 1 };
    const x = randArr(g.c * g.h * g.w);
    const n = g.c * g.kh * g.kw * g.oh * g.ow;
    const want = new Float32Array(n);
    const got = randArr(n); // stale contents must be overwritten, padding included
    jsKernels.im2col(x, g, want);
    single.im2col(x, g, got);
    assert.deepEqual(got, want, JSON.stringify(g));
    const cols = randArr(n);
    const dxWant = randArr(x.length);
    const dxGot = Float32Array.from(dxWant);
    jsKernels.col2im(cols, g, dxWant);
    single.col2im(cols, g, dxGot);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(dxGot[i]! - dxWant[i]!) < 1e-5, JSON.stringify(g));
  }
});

/** Direct convolution in float64: forward y, and the three gradients for a given gy. */
function convReference(x: Float32Array, w: Float32Array, bias: Float32Array, gy: Float32Array, g: ConvGeometry, n: number, o: number) {
  const { c, h, w: wd, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const y = new Float64Array(n * o * oh * ow);
  const gw = new Float64Array(o * c * kh * kw);
  const gb = new Float64Array(o);
  const gx = new Float64Array(n * c * h * wd);
  for (let i = 0; i < n; i++)
    for (let f = 0; f < o; f++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const yi = ((i * o + f) * oh + oy) * ow + ox;
          let s = bias[f]!;
          gb[f]! += gy[yi]!;
          for (let ch = 0; ch < c; ch++)
            for (let ki = 0; ki < kh; ki++)
              for (let kj = 0; kj < kw; kj++) {
                const iy = oy * sh - ph + ki, ix = ox * sw - pw + kj;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const xi = ((i * c + ch) * h + iy) * wd + ix;
                const wi = ((f * c + ch) * kh + ki) * kw + kj;
                s += w[wi]! * x[xi]!;
                gw[wi]! += gy[yi]! * x[xi]!;
                gx[xi]! += gy[yi]! * w[wi]!;
              }
          y[yi] = s;
        }
  return { y, gw, gb, gx };
}

function close(got: Float32Array, want: Float64Array, start: Float32Array | null, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const v = got[i]! - (start ? start[i]! : 0);
    if (Math.abs(v - want[i]!) > 1e-4 * (1 + Math.abs(want[i]!))) assert.fail(`${what}[${i}]: ${v} vs ${want[i]}`);
  }
}

const tinyChunks = createWasmKernels(loaded, { threads: 2, parallelMinFlops: 0, convChunkBytes: 4000, adaptiveThreads: false });
after(() => tinyChunks.close());

for (const [name, K] of [['js', jsKernels], ['wasm 1 thread', single], ['wasm 2 threads', dual], ['wasm 2 threads, tiny chunks', tinyChunks]] as const) {
  test(`${name}: batched conv2dForward / conv2dBackward match a direct float64 convolution`, () => {
    const cases: Array<[Omit<ConvGeometry, 'oh' | 'ow'>, number, number]> = [
      [{ c: 1, h: 12, w: 12, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }, 5, 7],
      [{ c: 3, h: 9, w: 7, kh: 3, kw: 2, sh: 2, sw: 1, ph: 1, pw: 0 }, 3, 4],
      [{ c: 5, h: 6, w: 6, kh: 5, kw: 5, sh: 1, sw: 1, ph: 2, pw: 2 }, 2, 9],
      [{ c: 2, h: 3, w: 3, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 }, 1, 1],
      [{ c: 12, h: 5, w: 7, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0 }, 3, 10], // pointwise: GEMM on the image, no im2col / col2im
      [{ c: 6, h: 5, w: 5, kh: 1, kw: 1, sh: 2, sw: 2, ph: 0, pw: 0 }, 2, 3], // strided 1×1 keeps im2col
      // 3x3 stride 1 with 8+ channels each way: the wasm backend's Winograd path, forward and data gradient.
      [{ c: 8, h: 7, w: 9, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }, 3, 9],
      [{ c: 9, h: 5, w: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 }, 2, 8],
      [{ c: 16, h: 14, w: 14, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1 }, 4, 12],
      [{ c: 8, h: 4, w: 11, kh: 3, kw: 3, sh: 1, sw: 1, ph: 2, pw: 2 }, 2, 8],
      [{ c: 12, h: 3, w: 3, kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 1 }, 5, 4], // 1-row output; data gradient by im2col (4 channels)
    ];
    for (const [g0, n, o] of cases) {
      const g: ConvGeometry = { ...g0, oh: Math.floor((g0.h + 2 * g0.ph - g0.kh) / g0.sh) + 1, ow: Math.floor((g0.w + 2 * g0.pw - g0.kw) / g0.sw) + 1 };
      const ckk = g.c * g.kh * g.kw, ohw = g.oh * g.ow, chw = g.c * g.h * g.w;
      const x = randArr(n * chw), w = randArr(o * ckk), bias = randArr(o), gy = randArr(n * o * ohw);
      const ref = convReference(x, w, bias, gy, g, n, o);
      const y = randArr(n * o * ohw); // overwritten
      K.conv2dForward({ x, w, bias, g, n, o, y });
      close(y, ref.y, null, `${name} y ${JSON.stringify(g0)}`);
      const y0 = new Float32Array(n * o * ohw);
      K.conv2dForward({ x, w, bias: null, g, n, o, y: y0 });
      for (let i = 0; i < y0.length; i++) assert.ok(Math.abs(y0[i]! + bias[Math.floor(i / ohw) % o]! - y[i]!) < 1e-4, 'no-bias forward');
      const gw = randArr(o * ckk), gb = randArr(o), gx = randArr(n * chw); // accumulated into
      const [gw0, gb0, gx0] = [gw.slice(), gb.slice(), gx.slice()];
      K.conv2dBackward({ x, w, gy, g, n, o, gw, gb, gx });
      close(gw, ref.gw, gw0, `${name} gw`);
      close(gb, ref.gb, gb0, `${name} gb`);
      close(gx, ref.gx, gx0, `${name} gx`);
      const onlyGx = new Float32Array(n * chw);
      K.conv2dBackward({ x, w, gy, g, n, o, gw: null, gb: null, gx: onlyGx });
      close(onlyGx, ref.gx, null, `${name} gx alone`);
    }
  });
}

for (const [name, K] of [['js', jsKernels], ['wasm', single]] as const) {
  test(`${name}: relu, its gradient, and max pooling (ties, NaN, -Infinity, padding) match references`, () => {
    const n = 1031; // not a multiple of the SIMD width
    const x = randArr(n);
    x[3] = 0;
    x[7] = Number.NaN;
    x[8] = -0;
    const y = new Float32Array(n);
    K.relu(x, y, n);
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (Number.isNaN(v)) assert.ok(Number.isNaN(y[i]!), 'relu keeps NaN');
      else assert.equal(y[i], v > 0 ? v : 0, `relu at ${i}`);
    }
    const g = randArr(n);
    const gx = randArr(n);
    const gx0 = gx.slice();
    K.reluBackward(x, g, gx, n);
    for (let i = 0; i < n; i++) assert.equal(gx[i], x[i]! > 0 ? Math.fround(gx0[i]! + g[i]!) : gx0[i], `relu grad at ${i}`);

    const geoms: PoolGeometry[] = [
      { h: 28, w: 28, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, oh: 14, ow: 14 },
      { h: 7, w: 9, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, oh: 3, ow: 4 }, // odd sizes: floor mode
      { h: 6, w: 6, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, oh: 3, ow: 3 },
      { h: 2, w: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 2, pw: 2, oh: 4, ow: 4 }, // windows wholly in the padding
    ];
    for (const pg of geoms) {
      const planes = 3;
      const px = Float32Array.from({ length: planes * pg.h * pg.w }, () => Math.round(rng.uniform(-3, 3))); // many ties
      px[1] = Number.NaN;
      px[2] = Number.NEGATIVE_INFINITY;
      const outN = planes * pg.oh * pg.ow;
      const py = new Float32Array(outN);
      const arg = new Int32Array(outN);
      K.maxPool2d(px, pg, planes, py, arg);
      let o = 0;
      for (let p = 0; p < planes; p++)
        for (let oy = 0; oy < pg.oh; oy++)
          for (let ox = 0; ox < pg.ow; ox++, o++) {
            let best = -Infinity, bi = -1;
            for (let ky = 0; ky < pg.kh; ky++)
              for (let kx = 0; kx < pg.kw; kx++) {
                const iy = oy * pg.sh - pg.ph + ky, ix = ox * pg.sw - pg.pw + kx;
                if (iy < 0 || iy >= pg.h || ix < 0 || ix >= pg.w) continue;
                const at = (p * pg.h + iy) * pg.w + ix;
                if (px[at]! > best) [best, bi] = [px[at]!, at];
              }
            assert.equal(arg[o], bi, `${name} pool arg ${JSON.stringify(pg)} at ${o}`);
            assert.equal(py[o], best, `${name} pool value at ${o}`);
          }
    }
  });
}
