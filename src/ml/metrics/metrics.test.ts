// Hand-checked metric values, including scikit-learn's edge cases (zero division, a single class,
// tied scores) and a property: ROC AUC and average precision ignore monotone transforms of scores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as M from './index.js';

const near = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('accuracy and confusion matrix', () => {
  assert.equal(M.accuracy([0, 1, 1, 0], [0, 1, 0, 0]), 0.75);
  assert.equal(M.accuracy([0, 1, 1, 0], [0, 1, 0, 0], false), 3);
  assert.deepEqual(M.confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]), [[2, 0, 0], [0, 0, 1], [1, 0, 2]]);
  assert.deepEqual(M.confusionMatrix([0, 1], [1, 1], [1, 0]), [[1, 0], [1, 0]]);
  assert.throws(() => M.accuracy([0, 1], [0]), { code: 'LEPTON_ERR_SHAPE_MISMATCH' });
});

test('binary precision, recall, F1 and zero division', () => {
  // tp=1 fp=1 fn=1
  assert.equal(M.precision([0, 1, 1, 0], [1, 1, 0, 0]), 0.5);
  assert.equal(M.recall([0, 1, 1, 0], [1, 1, 0, 0]), 0.5);
  assert.equal(M.f1([0, 1, 1, 0], [1, 1, 0, 0]), 0.5);
  // No positive prediction: precision is 0/0.
  assert.equal(M.precision([0, 1, 1], [0, 0, 0]), 0);
  assert.equal(M.precision([0, 1, 1], [0, 0, 0], { zeroDivision: 1 }), 1);
  assert.equal(M.f1([0, 1, 1], [0, 0, 0], { zeroDivision: 1 }), 0); // p=1, r=0
  // Only negatives anywhere: every ratio is 0/0.
  assert.equal(M.recall([0, 0], [0, 0]), 0);
  assert.equal(M.recall([0, 0], [0, 0], { zeroDivision: 1 }), 1);
  // A single class present that is the positive one.
  assert.equal(M.f1([1, 1, 1], [1, 1, 1]), 1);
  assert.equal(M.precision([2, 2, 5], [2, 5, 5], { posLabel: 5 }), 0.5);
  assert.throws(() => M.precision([0, 1, 2], [0, 1, 2]), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
  assert.throws(() => M.precision([2, 3], [2, 3]), /posLabel=1 is not a valid label/);
});

test('micro, macro, weighted and per-class averages', () => {
  const t = [0, 1, 2, 0, 1, 2];
  const p = [0, 2, 1, 0, 0, 1];
  // class 0: tp 2, predicted 3, true 2 → p 2/3, r 1, f 0.8; classes 1 and 2: tp 0.
  near(M.precision(t, p, { average: 'macro' }) as number, 2 / 9);
  near(M.recall(t, p, { average: 'macro' }) as number, 1 / 3);
  near(M.f1(t, p, { average: 'macro' }) as number, 0.8 / 3);
  near(M.f1(t, p, { average: 'micro' }) as number, 1 / 3);
  near(M.f1(t, p, { average: 'weighted' }) as number, (0.8 * 2) / 6);
  assert.deepEqual(M.precisionRecallF(t, p, { average: null }).support, [2, 2, 2]);
  // A label that is never predicted nor true, requested explicitly: its 0/0 scores pull macro down.
  near(M.recall([0, 1], [0, 1], { average: 'macro', labels: [0, 1, 2] }) as number, 2 / 3);
  // weighted with no true sample of the requested labels (sklearn returns zeroDivision values).
  assert.deepEqual(M.precisionRecallF([0, 0], [0, 0], { average: 'weighted', labels: [1] }), { precision: 0, recall: 0, f1: 0 });
});

test('ROC AUC: sklearn example, ties, one-vs-rest, single class', () => {
  near(M.rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  // Tied scores across classes earn half credit.
  near(M.rocAuc([0, 1], [0.5, 0.5]), 0.5);
  near(M.rocAuc([0, 1, 0, 1], [0.2, 0.2, 0.7, 0.9]), 0.625);
  const roc = M.rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
  assert.deepEqual(roc.fpr, [0, 0, 0.5, 0.5, 1]);
  assert.deepEqual(roc.tpr, [0, 0.5, 0.5, 1, 1]);
  assert.deepEqual(roc.thresholds, [1.8, 0.8, 0.4, 0.35, 0.1]);
  assert.throws(() => M.rocAuc([1, 1, 1], [0.2, 0.3, 0.4]), /only one class/);
  assert.ok(M.rocCurve([1, 1], [0.2, 0.3]).fpr.every(Number.isNaN));
  // One-vs-rest macro for 3 classes: perfectly separating probabilities give 1.
  near(M.rocAuc([0, 1, 2], [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]), 1);
  assert.throws(() => M.rocAuc([0, 1, 2], [[0.8, 0.1, 0.3], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]), /sum to 1/);
});

test('precision-recall curve and average precision (sklearn doc example)', () => {
  const pr = M.precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
  assert.deepEqual(pr.precision.map((v) => +v.toFixed(8)), [0.5, 0.66666667, 0.5, 1, 1]);
  assert.deepEqual(pr.recall, [1, 1, 0.5, 0.5, 0]);
  assert.deepEqual(pr.thresholds, [0.1, 0.35, 0.4, 0.8]);
  near(M.averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.8333333333333333);
  // No positives: recall is set to 1 everywhere and AP is 0 (sklearn 1.2).
  near(M.averagePrecision([0, 0, 0], [0.1, 0.4, 0.35]), 0);
});

test('log loss, MSE, r2 and adjusted Rand index', () => {
  near(M.logLoss([1, 0, 0, 1], [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]]), 0.21616187468057912);
  near(M.logLoss([1, 0], [1, 0]), 2.220446049250313e-16, 1e-15); // clipped, not -log(0)
  assert.throws(() => M.logLoss([1, 1], [0.5, 0.5]), /only one label/);
  near(M.logLoss([1, 1], [[0.5, 0.5], [0.2, 0.8]], { labels: [0, 1] }), -(Math.log(0.5) + Math.log(0.8)) / 2);
  near(M.meanSquaredError([3, -0.5, 2, 7], [2.5, 0, 2, 8]), 0.375);
  near(M.r2([3, -0.5, 2, 7], [2.5, 0, 2, 8]), 0.9486081370449679);
  assert.equal(M.r2([1, 1, 1], [1, 1, 1]), 1);
  assert.equal(M.r2([1, 1, 1], [1, 1, 2]), 0);
  assert.ok(Number.isNaN(M.r2([1], [2])));
  assert.equal(M.adjustedRandScore([0, 0, 1, 1], [1, 1, 0, 0]), 1);
  near(M.adjustedRandScore([0, 0, 1, 2], [0, 0, 1, 1]), 0.5714285714285714);
  assert.equal(M.adjustedRandScore([0, 0, 0, 0], [0, 1, 2, 3]), 0);
  assert.equal(M.adjustedRandScore([5, 5, 5], [1, 1, 1]), 1);
  near(M.adjustedRandScore([0, 0, 1, 1], [0, 1, 0, 1]), -0.5);
});

test('property: ROC AUC and AP are invariant under strictly increasing transforms', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: -20, max: 20 })), { minLength: 2, maxLength: 40 }),
      (pairs) => {
        const y = pairs.map((p) => p[0]);
        fc.pre(new Set(y).size === 2);
        const s = pairs.map((p) => p[1] / 4);
        const t = s.map((v) => Math.exp(v) * 3 + 1); // monotone; ties stay ties
        const u = s.map((v) => v * v * v + v);
        near(M.rocAuc(y, s), M.rocAuc(y, t), 1e-12);
        near(M.rocAuc(y, s), M.rocAuc(y, u), 1e-12);
        near(M.averagePrecision(y, s), M.averagePrecision(y, t), 1e-12);
      },
    ),
    { numRuns: 200 },
  );
});
