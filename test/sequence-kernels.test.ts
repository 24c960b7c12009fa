// The wasm backend's fused recurrent loop (SIMD gates, src/tensor/wasm/recurrent-jobs.ts) against
// the TypeScript loop of src/tensor/ops/recurrent.ts: outputs, final states and every gradient,
// for LSTM and GRU, forward and reverse, with and without an initial state, and a hidden size that
// is not a multiple of the SIMD width (scalar tails).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import * as T from '../src/tensor/index.js';
import { Tensor, availableBackends, setBackend } from '../src/tensor/index.js';
import { requireWasm } from '../src/tensor/wasm/wasm-build.fixture.js';

function run(backend: 'js' | 'wasm', cell: 'lstm' | 'gru', H: number, reverse: boolean, withState: boolean): Float32Array[] {
  setBackend(backend);
  try {
    const rng = new Rng(5);
    const G = cell === 'lstm' ? 4 : 3;
    const [Tn, N, I] = [6, 5, 7];
    // Wide pre-activations (±3) so the gates saturate on some units and the exp range is exercised.
    const x = Tensor.uniform([Tn, N, I], rng, -1, 1, true);
    const w = Tensor.uniform([G * H, I], rng, -1.5, 1.5, true);
    const r = Tensor.uniform([G * H, H], rng, -1.5, 1.5, true);
    const bw = Tensor.uniform([G * H], rng, -1, 1, true);
    const br = Tensor.uniform([G * H], rng, -1, 1, true);
    const h0 = withState ? Tensor.uniform([N, H], rng, -1, 1, true) : null;
    const c0 = withState && cell === 'lstm' ? Tensor.uniform([N, H], rng, -1, 1, true) : null;
    const packed = T.recurrent(x, { w, r, bw, br, h0, c0 }, { cell, reverse }); // [T + 2, N, H]
    const wts = Tensor.from(Array.from({ length: packed.size }, (_, i) => Math.sin(i + 1)), packed.shape);
    T.sum(T.mul(packed, wts)).backward();
    const grads = [x, w, r, bw, br, h0, c0].filter((t): t is Tensor => t !== null).map((t) => t.grad!);
    return [packed.data, ...grads];
  } finally {
    setBackend('wasm');
  }
}

const hasWasm = availableBackends().includes('wasm');

for (const cell of ['lstm', 'gru'] as const) {
  for (const [H, reverse, withState] of [[8, false, false], [6, true, true], [5, false, true]] as const) {
    test(`${cell} H=${H}${reverse ? ' reverse' : ''}${withState ? ' with h0/c0' : ''}: wasm fused loop matches the TS loop`, () => {
      requireWasm(hasWasm);
      const js = run('js', cell, H, reverse, withState);
      const wasm = run('wasm', cell, H, reverse, withState);
      const names = ['output', 'dx', 'dW', 'dR', 'db_ih', 'db_hh', 'dh0', 'dc0'];
      js.forEach((a, k) => {
        const b = wasm[k]!;
        assert.equal(b.length, a.length);
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(a[i]!)));
        assert.ok(worst < 2e-5, `${names[k]}: worst relative difference ${worst}`);
      });
    });
  }
}
