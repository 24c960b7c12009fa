// Update rules against torch.optim trajectories (testdata/optim-reference.json, generated once by
// optim-reference.py with python3-torch) and against hand-computed first steps; schedules by formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Tensor } from '../../tensor/index.js';
import { SGD, Adam, AdamW, RMSprop, StepLR, CosineAnnealingLR, type Optimizer } from './index.js';

interface Ref {
  w0: number[];
  a: number[];
  b: number[];
  cases: Array<{ optimizer: string; options: Record<string, number | boolean | number[]>; trajectory: number[][] }>;
}
const ref = JSON.parse(readFileSync(new URL('../testdata/optim-reference.json', import.meta.url), 'utf8')) as Ref;

/** Map torch's option names to ours. */
function make(name: string, p: Tensor, o: Record<string, number | boolean | number[]>): Optimizer {
  const common = {
    ...(o['lr'] !== undefined && { lr: o['lr'] as number }),
    ...(o['weight_decay'] !== undefined && { weightDecay: o['weight_decay'] as number }),
  };
  switch (name) {
    case 'SGD':
      return new SGD([p], {
        lr: o['lr'] as number,
        ...common,
        ...(o['momentum'] !== undefined && { momentum: o['momentum'] as number }),
        ...(o['dampening'] !== undefined && { dampening: o['dampening'] as number }),
        ...(o['nesterov'] !== undefined && { nesterov: o['nesterov'] as boolean }),
      });
    case 'Adam':
    case 'AdamW': {
      const ao = { ...common, ...(o['betas'] && { betas: o['betas'] as [number, number] }), ...(o['eps'] !== undefined && { eps: o['eps'] as number }) };
      return name === 'Adam' ? new Adam([p], ao) : new AdamW([p], ao);
    }
    case 'RMSprop':
      return new RMSprop([p], {
        ...common,
        ...(o['alpha'] !== undefined && { alpha: o['alpha'] as number }),
        ...(o['momentum'] !== undefined && { momentum: o['momentum'] as number }),
        ...(o['centered'] !== undefined && { centered: o['centered'] as boolean }),
      });
  }
  throw new TypeError(name);
}

test('every optimizer follows the torch.optim trajectory on a quadratic', () => {
  assert.ok(ref.cases.length >= 10);
  for (const c of ref.cases) {
    const p = Tensor.from(ref.w0, [ref.w0.length], true);
    const opt = make(c.optimizer, p, c.options);
    c.trajectory.forEach((expected, step) => {
      opt.zeroGrad();
      const g = p.gradBuffer();
      for (let i = 0; i < p.size; i++) g[i] = ref.a[i]! * p.data[i]! + ref.b[i]!;
      opt.step();
      expected.forEach((v, i) => {
        assert.ok(Math.abs(p.data[i]! - v) < 2e-6 + 1e-5 * Math.abs(v), `${c.optimizer} ${JSON.stringify(c.options)} step ${step + 1} w[${i}]: ${p.data[i]} vs ${v}`);
      });
    });
  }
});

test('hand-computed first steps: Adam moves by lr·sign(g), SGD momentum, RMSprop', () => {
  const p = Tensor.from([1, -2], [2], true);
  const adam = new Adam([p], { lr: 0.1 });
  p.gradBuffer().set([0.5, -3]);
  adam.step();
  // m̂ = g, v̂ = g² → step = lr·g/(|g| + ε) ≈ lr·sign(g)
  assert.ok(Math.abs(p.data[0]! - 0.9) < 1e-6 && Math.abs(p.data[1]! + 1.9) < 1e-6);

  const q = Tensor.from([1], [1], true);
  const sgd = new SGD([q], { lr: 0.1, momentum: 0.9 });
  q.gradBuffer().set([1]);
  sgd.step(); // b = 1, w = 0.9
  sgd.step(); // b = 0.9 + 1 = 1.9, w = 0.71
  assert.ok(Math.abs(q.data[0]! - 0.71) < 1e-6);

  const r = Tensor.from([0], [1], true);
  const rms = new RMSprop([r], { lr: 0.01 });
  r.gradBuffer().set([2]);
  rms.step(); // s = 0.01·4 = 0.04 → w = −0.01·2/0.2 = −0.1
  assert.ok(Math.abs(r.data[0]! + 0.1) < 1e-6);
});

test('L1 adds l1·sign(w); weight decay adds λ·w; AdamW decays the weight itself', () => {
  const p = Tensor.from([2, -2, 0], [3], true);
  const sgd = new SGD([p], { lr: 1, l1: 0.5, weightDecay: 0.25 });
  p.gradBuffer().fill(0);
  sgd.step();
  assert.deepEqual(p.toArray(), [2 - 0.5 - 0.5, -2 + 0.5 + 0.5, 0]);
  const q = Tensor.from([1], [1], true);
  const adamw = new AdamW([q], { lr: 0.1, weightDecay: 0.5 });
  q.gradBuffer().fill(0); // zero gradient: only the decay moves w
  adamw.step();
  assert.ok(Math.abs(q.data[0]! - 0.95) < 1e-7);
  assert.throws(() => new SGD([q], { lr: -1 }), /learning rate/);
  assert.throws(() => new SGD([q], { lr: 0.1, nesterov: true }), /Nesterov/);
});

test('StepLR and CosineAnnealingLR follow their formulas', () => {
  const p = Tensor.from([0], [1], true);
  const o1 = new SGD([p], { lr: 1 });
  const s1 = new StepLR(o1, 2, 0.5);
  const lrs: number[] = [];
  for (let e = 0; e < 5; e++) {
    s1.step();
    lrs.push(o1.lr);
  }
  assert.deepEqual(lrs, [1, 0.5, 0.5, 0.25, 0.25]);
  const o2 = new SGD([p], { lr: 0.1 });
  const s2 = new CosineAnnealingLR(o2, 4, 0.01);
  s2.step();
  s2.step();
  assert.ok(Math.abs(o2.lr - (0.01 + 0.09 * 0.5)) < 1e-12);
  s2.step();
  s2.step();
  assert.ok(Math.abs(o2.lr - 0.01) < 1e-12);
});

test('optimizer state round-trips for resuming', () => {
  const p = Tensor.from([1, 2], [2], true);
  const a = new Adam([p], { lr: 0.1 });
  p.gradBuffer().set([1, -1]);
  a.step();
  const q = Tensor.from(p.toArray(), [2], true);
  const b = new Adam([q], { lr: 0.1 });
  b.loadStateTensors(a.stateTensors(), a.stepCount);
  q.gradBuffer().set([0.3, 0.2]);
  p.gradBuffer().set([0.3, 0.2]);
  a.step();
  b.step();
  assert.deepEqual(q.toArray(), p.toArray());
});
