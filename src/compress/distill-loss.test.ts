// The distillation loss against a hand-computed case, its α = 0 limit (plain cross-entropy), and its
// closed-form gradient against central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../tensor/index.js';
import { Rng } from '../core/rng.js';
import { distillationLoss } from './distill-loss.js';

test('hand-computed case: T = 2, α = 0.5, one sample, two classes', () => {
  // student logits [0, 0] → softmax(s/T) = [1/2, 1/2]; teacher [0, 2 ln 3] → softmax(t/T) = [1/4, 3/4].
  const s = new Tensor(Float32Array.of(0, 0), [1, 2], true);
  const t = Float32Array.of(0, 2 * Math.log(3));
  const loss = distillationLoss(s, t, Int32Array.of(1), { temperature: 2, alpha: 0.5 });
  const kl = 0.25 * Math.log(0.25 / 0.5) + 0.75 * Math.log(0.75 / 0.5);
  const expected = 0.5 * 4 * kl + 0.5 * Math.log(2);
  assert.ok(Math.abs(loss.item() - expected) < 1e-6, `${loss.item()} vs ${expected}`);
  loss.backward();
  // soft: α·T·(ps − pt) = [0.25, −0.25]; hard: (1−α)·(q − onehot) = [0.25, −0.25].
  assert.ok(Math.abs(s.grad![0]! - 0.5) < 1e-6 && Math.abs(s.grad![1]! + 0.5) < 1e-6, `grad ${s.grad}`);
});

test('α = 0 is the mean cross-entropy and ignores the teacher', () => {
  const s = new Tensor(Float32Array.of(1, 2, 3, 0, 0, 5), [2, 3]);
  const got = distillationLoss(s, null, Int32Array.of(2, 0), { temperature: 3, alpha: 0 }).item();
  const ce = (row: number[], y: number) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[y]!;
  assert.ok(Math.abs(got - (ce([1, 2, 3], 2) + ce([0, 0, 5], 0)) / 2) < 1e-6);
});

test('the gradient matches finite differences', () => {
  const rng = new Rng(4);
  const N = 3;
  const C = 4;
  const base = Float32Array.from({ length: N * C }, () => rng.normal(0, 2));
  const teacher = Float32Array.from({ length: N * C }, () => rng.normal(0, 3));
  const labels = Int32Array.of(0, 3, 1);
  const opts = { temperature: 3, alpha: 0.7 };
  const s = new Tensor(Float32Array.from(base), [N, C], true);
  distillationLoss(s, teacher, labels, opts).backward();
  const h = 1e-2;
  for (let i = 0; i < N * C; i++) {
    const f = (d: number) => {
      const x = Float32Array.from(base);
      x[i]! += d;
      return distillationLoss(new Tensor(x, [N, C]), teacher, labels, opts).item();
    };
    const numeric = (f(h) - f(-h)) / (2 * h);
    assert.ok(Math.abs(numeric - s.grad![i]!) < 2e-3, `d/ds${i}: numeric ${numeric} vs analytic ${s.grad![i]}`);
  }
});

test('bad temperature or alpha is rejected', () => {
  const s = new Tensor(Float32Array.of(0, 0), [1, 2]);
  assert.throws(() => distillationLoss(s, Float32Array.of(0, 0), Int32Array.of(0), { temperature: 0, alpha: 0.5 }));
  assert.throws(() => distillationLoss(s, Float32Array.of(0, 0), Int32Array.of(0), { temperature: 1, alpha: 2 }));
  assert.throws(() => distillationLoss(s, null, Int32Array.of(0), { temperature: 1, alpha: 0.5 }));
});
