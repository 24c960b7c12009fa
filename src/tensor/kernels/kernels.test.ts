// Every kernel backend against a naive reference: GEMM in all four transpose modes, im2col/col2im.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { availableBackends, setBackend, kernels, type ConvGeometry } from './index.js';

function naiveGemm(tA: boolean, tB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i]! : a[i * k + p]!) * (tB ? b[j * k + p]! : b[p * n + j]!);
      c[i * n + j] = s;
    }
  return c;
}

const rng = new Rng(9);
const randArr = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

for (const backend of availableBackends()) {
  test(`${backend}: gemm matches the reference in every transpose mode and odd sizes`, () => {
    setBackend(backend as 'js' | 'wasm');
    try {
      for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [17, 33, 9], [64, 10, 784], [5, 130, 67]] as const)
        for (const tA of [false, true])
          for (const tB of [false, true]) {
            const a = randArr(m * k);
            const b = randArr(k * n);
            const ref = naiveGemm(tA, tB, m, n, k, a, b);
            const c = randArr(m * n);
            const c0 = Float32Array.from(c);
            kernels().gemm(tA, tB, m, n, k, a, b, c, true);
            for (let i = 0; i < m * n; i++) assert.ok(Math.abs(c[i]! - (c0[i]! + ref[i]!)) < 1e-3 * (1 + Math.abs(ref[i]!)), `${m}x${n}x${k} tA=${tA} tB=${tB} at ${i}`);
            kernels().gemm(tA, tB, m, n, k, a, b, c, false);
            for (let i = 0; i < m * n; i++) assert.ok(Math.abs(c[i]! - ref[i]!) < 1e-3 * (1 + Math.abs(ref[i]!)));
          }
    } finally {
      setBackend('js');
    }
  });

  test(`${backend}: col2im is the adjoint of im2col`, () => {
    setBackend(backend as 'js' | 'wasm');
    try {
      const g: ConvGeometry = { c: 2, h: 6, w: 5, kh: 3, kw: 3, sh: 2, sw: 1, ph: 1, pw: 1, oh: 3, ow: 5 };
      const x = randArr(g.c * g.h * g.w);
      const y = randArr(g.c * g.kh * g.kw * g.oh * g.ow);
      const cols = new Float32Array(y.length);
      kernels().im2col(x, g, cols);
      const dx = new Float32Array(x.length);
      kernels().col2im(y, g, dx);
      // <im2col(x), y> == <x, col2im(y)>
      let l = 0, r = 0;
      for (let i = 0; i < y.length; i++) l += cols[i]! * y[i]!;
      for (let i = 0; i < x.length; i++) r += x[i]! * dx[i]!;
      assert.ok(Math.abs(l - r) < 1e-3, `${l} vs ${r}`);
    } finally {
      setBackend('js');
    }
  });
}
