// Fused losses: values against the unfused composition and closed forms, gradients against finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { Tensor } from '../tensor.js';
import { gradCheck } from '../gradcheck.js';
import { logSoftmax, mean, pick, scale, sigmoid } from '../index.js';
import { softmaxCrossEntropy, bceWithLogits, binaryCrossEntropy, mseLoss } from './loss.js';

const rng = new Rng(5);
const close = (a: number, b: number, tol = 1e-5) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('softmaxCrossEntropy equals −mean(logSoftmax picked) and has the right gradient', () => {
  const x = Tensor.uniform([5, 4], rng, -3, 3, true);
  const y = Int32Array.from([0, 3, 1, 2, 3]);
  const ref = scale(mean(pick(logSoftmax(x), y)), -1).item();
  close(softmaxCrossEntropy(x, y).item(), ref);
  const r = gradCheck(() => softmaxCrossEntropy(x, y, 0.1), [x]);
  assert.ok(r.maxRelErr < 1e-2, `rel err ${r.maxRelErr}`);
});

test('label smoothing follows PyTorch: (1−ε)·NLL + ε·mean over classes of −log p', () => {
  const x = Tensor.from([[1, 2, 0.5]]);
  const y = Int32Array.from([1]);
  const lp = logSoftmax(x).toArray();
  const expected = 0.8 * -lp[1]! + 0.2 * (-(lp[0]! + lp[1]! + lp[2]!) / 3);
  close(softmaxCrossEntropy(x, y, 0.2).item(), expected);
  assert.throws(() => softmaxCrossEntropy(x, Int32Array.from([3])), /out of range/);
  assert.throws(() => softmaxCrossEntropy(x, y, 1.5), /label smoothing/);
});

test('bceWithLogits is stable for large logits and matches BCE of the sigmoid', () => {
  const x = Tensor.from([-2, 0.5, 3, -1], [4], true);
  const y = Float32Array.from([0, 1, 1, 0]);
  close(bceWithLogits(x, y).item(), binaryCrossEntropy(sigmoid(x), y).item(), 1e-5);
  assert.ok(Number.isFinite(bceWithLogits(Tensor.from([1000, -1000], [2]), Float32Array.from([0, 1])).item()));
  close(bceWithLogits(Tensor.from([1000], [1]), Float32Array.from([0])).item(), 1000);
  const r = gradCheck(() => bceWithLogits(x, y), [x]);
  assert.ok(r.maxRelErr < 1e-2);
});

test('binaryCrossEntropy clamps log at −100 and checks its input', () => {
  close(binaryCrossEntropy(Tensor.from([0], [1]), Float32Array.from([1])).item(), 100);
  assert.throws(() => binaryCrossEntropy(Tensor.from([1.5], [1]), Float32Array.from([1])), /probability/);
  const p = Tensor.from([0.2, 0.7, 0.9], [3], true);
  const r = gradCheck(() => binaryCrossEntropy(p, Float32Array.from([0, 1, 0])), [p], 1e-3);
  assert.ok(r.maxRelErr < 1e-2, `rel err ${r.maxRelErr}`);
});

test('mseLoss value and gradient', () => {
  const x = Tensor.from([1, 2, 3], [3], true);
  close(mseLoss(x, Float32Array.from([1, 0, 0])).item(), (0 + 4 + 9) / 3);
  const r = gradCheck(() => mseLoss(x, Float32Array.from([0.5, -1, 2])), [x]);
  assert.ok(r.maxRelErr < 1e-2);
  assert.throws(() => mseLoss(x, new Float32Array(2)), /target/);
});
