// The weight average (ema.ts): its arithmetic against a hand-computed recurrence, the swap
// discipline, bad decays, and fit's contract: it trains on the live weights, evaluates and ends
// with the average.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { LeptonError } from '../core/errors.js';
import { Sequential, Linear, ReLU, SGD, fit, evaluate, WeightEma, EMA_EVERY, type Batch } from './index.js';

function tinyBatches(n: number, seed: number): Batch[] {
  const rng = new Rng(seed);
  const out: Batch[] = [];
  for (let b = 0; b < n; b++) {
    const x = new Float32Array(8 * 2);
    const y = new Int32Array(8);
    for (let i = 0; i < 8; i++) {
      const c = rng.int(2);
      y[i] = c;
      x[i * 2] = (c ? 1 : -1) + rng.normal(0, 0.5);
      x[i * 2 + 1] = rng.normal(0, 0.5);
    }
    out.push({ x, y, size: 8 });
  }
  return out;
}

test('update follows shadow = d·shadow + (1−d)·w with the warm-up d_t = min(decay, (1+t)/(10+t))', () => {
  const lin = new Linear(1, 1, { rng: new Rng(0), bias: false });
  lin.weight.data[0] = 1;
  const ema = new WeightEma(lin, 0.5);
  let expected = 1;
  const values = [3, -2, 7, 0.5];
  values.forEach((v, i) => {
    lin.weight.data[0] = v;
    ema.update();
    const t = i + 1;
    const d = Math.min(0.5, (1 + t) / (10 + t));
    expected = d * expected + (1 - d) * v;
  });
  assert.equal(ema.steps, 4);
  ema.swapIn();
  assert.ok(Math.abs(lin.weight.data[0]! - expected) < 1e-6, `${lin.weight.data[0]} vs ${expected}`);
  // every 2nd step, decay compounded: the folds happen at t = 2 and 4 only
  const lin2 = new Linear(1, 1, { rng: new Rng(0), bias: false });
  lin2.weight.data[0] = 1;
  const ema2 = new WeightEma(lin2, 0.5, 2);
  let exp2 = 1;
  values.forEach((v, i) => {
    lin2.weight.data[0] = v;
    ema2.update();
    const t = i + 1;
    if (t % 2 === 0) {
      const d = Math.min(0.5, (1 + t) / (10 + t)) ** 2;
      exp2 = d * exp2 + (1 - d) * v;
    }
  });
  ema2.swapIn();
  assert.ok(Math.abs(lin2.weight.data[0]! - exp2) < 1e-6, `${lin2.weight.data[0]} vs ${exp2}`);
  ema.swapIn(); // idempotent: must not stash the average over the live weights
  ema.swapOut();
  assert.equal(lin.weight.data[0], 0.5, 'the live weights come back unchanged');
  ema.swapOut();
  assert.equal(lin.weight.data[0], 0.5);
});

test('bad decays and updating while swapped in are refused with LeptonError', () => {
  const lin = new Linear(2, 2, { rng: new Rng(0) });
  for (const d of [0, 1, -0.1, 1.5, Number.NaN]) assert.throws(() => new WeightEma(lin, d), LeptonError);
  for (const k of [0, 1.5, -2]) assert.throws(() => new WeightEma(lin, 0.9, k), LeptonError);
  const ema = new WeightEma(lin, 0.9);
  ema.swapIn();
  assert.throws(() => ema.update(), LeptonError);
});

test('fit with ema: trains on live weights, evaluates the average and ends holding it', () => {
  const train = tinyBatches(30, 1);
  const make = () => new Sequential(new Linear(2, 8, { rng: new Rng(3) }), new ReLU(), new Linear(8, 2, { rng: new Rng(4) }));
  // Same run twice: without and with the average. The live trajectory must be identical, so the
  // model without EMA equals the live weights of the one with it.
  const plain = make();
  fit(plain, { epochs: 2, train: () => train, inputShape: [2], optimizer: new SGD(plain.parameters(), { lr: 0.1 }) });
  const averaged = make();
  const r = fit(averaged, { epochs: 2, train: () => train, test: () => train, inputShape: [2], optimizer: new SGD(averaged.parameters(), { lr: 0.1 }), ema: 0.9 });
  const a = [...plain.stateDict().values()].map((t) => Array.from(t.data));
  const b = [...averaged.stateDict().values()].map((t) => Array.from(t.data));
  assert.notDeepEqual(a, b, 'the model ends with the average, not the last step');
  // Recompute the average by replaying the live trajectory step by step.
  const replay = make();
  const opt = new SGD(replay.parameters(), { lr: 0.1 });
  const shadow = new WeightEma(replay, 0.9, EMA_EVERY);
  fit(replay, { epochs: 2, train: () => train, inputShape: [2], optimizer: opt, hooks: { afterStep: () => shadow.update() } });
  assert.deepEqual([...replay.stateDict().values()].map((t) => Array.from(t.data)), a, 'live weights are untouched by the average');
  shadow.swapIn();
  const c = [...replay.stateDict().values()].map((t) => Array.from(t.data));
  assert.deepEqual(b, c, 'fit ends with exactly the shadow weights');
  assert.equal(r.history[1]!.testAccuracy, evaluate(averaged, train, [2]).accuracy, 'the reported accuracy is that of the averaged weights');
});

test('the fold on the wasm backend (resident shadow, SIMD) matches the JS loop', async () => {
  const { availableBackends, kernels, setBackend } = await import('../tensor/index.js');
  if (!availableBackends().includes('wasm')) return;
  const prev = kernels().name;
  const run = (backend: 'js' | 'wasm'): Float32Array[] => {
    setBackend(backend);
    const rng = new Rng(5);
    const model = new Sequential(new Linear(37, 21, { rng }), new ReLU(), new Linear(21, 3, { rng }));
    const ema = new WeightEma(model, 0.9, 2);
    for (let s = 0; s < 9; s++) {
      for (const p of model.parameters()) for (let i = 0; i < p.size; i++) p.data[i] = rng.normal(0, 1);
      ema.update();
    }
    ema.swapIn();
    return model.parameters().map((p) => p.data.slice());
  };
  try {
    const w = run('wasm');
    const j = run('js');
    w.forEach((a, k) => a.forEach((v, i) => assert.ok(Math.abs(v - j[k]![i]!) < 1e-6, `param ${k}[${i}]: ${v} vs ${j[k]![i]}`)));
  } finally {
    setBackend(prev);
  }
});
