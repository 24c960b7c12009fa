// Adam's wasm path (resident-adam.ts) against its JS loop: the same trajectory on both backends,
// AdamW and weight decay through it, and state restored from a checkpoint carried into wasm memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { Tensor, availableBackends, kernels, setBackend } from '../../tensor/index.js';
import { Adam, AdamW, type Optimizer } from './index.js';
import { requireWasm } from '../../tensor/wasm/wasm-build.fixture.js';

const hasWasm = availableBackends().includes('wasm');

/** Run `steps` updates of a fresh optimizer on two parameters (sizes 1037 and 7) with noisy gradients. */
function trajectory(backend: 'js' | 'wasm', make: (p: Tensor[]) => Optimizer, steps: number, resumeAt = -1): Float32Array[] {
  const prev = kernels().name;
  setBackend(backend);
  try {
    const rng = new Rng(3);
    const ps = [Tensor.randn([1037], rng, 1, 0, true), Tensor.randn([7], rng, 1, 0, true)];
    let opt = make(ps);
    for (let s = 0; s < steps; s++) {
      if (s === resumeAt) {
        // What a resumed run does: a fresh optimizer given the saved state (plain JS arrays).
        const saved = opt.stateTensors();
        const count = opt.stepCount;
        opt = make(ps);
        opt.loadStateTensors(saved, count);
      }
      opt.zeroGrad();
      for (const p of ps) {
        const g = p.gradBuffer();
        for (let i = 0; i < g.length; i++) g[i] = 0.5 * p.data[i]! + rng.normal(0, 0.3);
      }
      opt.step();
    }
    return ps.map((p) => p.data.slice());
  } finally {
    setBackend(prev);
  }
}

function assertClose(a: Float32Array[], b: Float32Array[], what: string): void {
  a.forEach((arr, k) =>
    arr.forEach((v, i) => assert.ok(Math.abs(v - b[k]![i]!) <= 1e-6 + 1e-5 * Math.abs(v), `${what}: param ${k}[${i}] wasm ${v} vs js ${b[k]![i]}`)),
  );
}

test('Adam on the wasm backend follows the JS loop (float32 SIMD vs float64 scalar)', () => {
  requireWasm(hasWasm);
  const make = (p: Tensor[]) => new Adam(p, { lr: 1e-2 });
  const w = trajectory('wasm', make, 30);
  const j = trajectory('js', make, 30);
  assertClose(w, j, 'Adam');
  // The weights moved: a path that skipped the update could not pass.
  assert.ok(Math.abs(w[0]![0]! - trajectory('wasm', make, 0)[0]![0]!) > 1e-3);
});

test('AdamW and coupled weight decay take the wasm path too', () => {
  requireWasm(hasWasm);
  for (const make of [(p: Tensor[]) => new AdamW(p, { lr: 1e-2 }), (p: Tensor[]) => new Adam(p, { lr: 1e-2, weightDecay: 0.1, betas: [0.8, 0.99] })]) {
    assertClose(trajectory('wasm', make, 20), trajectory('js', make, 20), make([Tensor.zeros([1], true)]).constructor.name);
  }
});

test('Adam state restored from a checkpoint is carried into wasm memory', () => {
  requireWasm(hasWasm);
  const make = (p: Tensor[]) => new Adam(p, { lr: 1e-2 });
  assertClose(trajectory('wasm', make, 25, 10), trajectory('js', make, 25), 'resumed');
});

test('Adam state reads back from the resident buffers (checkpoints)', () => {
  requireWasm(hasWasm);
  const prev = kernels().name;
  setBackend('wasm');
  try {
    const p = Tensor.from([1, -2, 3], [3], true);
    const opt = new Adam([p], { lr: 0.1 });
    p.gradBuffer().set([1, 2, -3]);
    opt.step();
    const m = opt.stateTensors().get('0.exp_avg')!;
    // The moments live in the resident store's (shared) wasm memory: the wasm path ran.
    assert.ok(m.buffer instanceof SharedArrayBuffer);
    // m = (1 − β1)·g after one step.
    assert.deepEqual(Array.from(m, (v) => Math.round(v * 1e6) / 1e6), [0.1, 0.2, -0.3]);
  } finally {
    setBackend(prev);
  }
});
