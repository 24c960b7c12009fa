// Every op's gradient against central finite differences, plus forward values checked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import * as T from './index.js';
import { Tensor } from './tensor.js';

const rng = new Rng(123);
const rand = (shape: number[], lo = -1, hi = 1) => Tensor.uniform(shape, rng, lo, hi, true);
/** Weighted sum makes every output element matter differently, so gradient mix-ups show. */
function weightedSum(y: Tensor): Tensor {
  const w = Tensor.from(Array.from({ length: y.size }, (_, i) => Math.sin(i + 1)), y.shape);
  return T.sum(T.mul(y, w));
}
function check(name: string, f: () => Tensor, inputs: Tensor[], tol = 2e-2): void {
  const r = T.gradCheck(() => weightedSum(f()), inputs);
  assert.ok(r.maxRelErr < tol, `${name}: rel err ${r.maxRelErr} (abs ${r.maxAbsErr})`);
}

test('forward values: broadcasting, matmul, softmax, reductions', () => {
  const a = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(T.add(a, Tensor.from([10, 20, 30], [3])).toArray(), [11, 22, 33, 14, 25, 36]);
  assert.deepEqual(T.mul(a, Tensor.from([2, 3], [2, 1])).toArray(), [2, 4, 6, 12, 15, 18]);
  assert.deepEqual(T.matmul(a, Tensor.from([[1, 0], [0, 1], [1, 1]])).toArray(), [4, 5, 10, 11]);
  assert.deepEqual(T.sum(a, 0).toArray(), [5, 7, 9]);
  assert.deepEqual(T.max(a, 1).toArray(), [3, 6]);
  assert.deepEqual(T.transpose(a).shape, [3, 2]);
  assert.deepEqual(T.transpose(a).toArray(), [1, 4, 2, 5, 3, 6]);
  const s = T.softmax(Tensor.from([[0, Math.log(3)]])).toArray();
  assert.ok(Math.abs(s[0]! - 0.25) < 1e-6 && Math.abs(s[1]! - 0.75) < 1e-6);
  assert.deepEqual(Array.from(T.argmaxRows(a)), [2, 2]);
});

test('conv2d forward matches a hand-computed case', () => {
  // 1x1x3x3 input, 1x1x2x2 kernel of ones, stride 1, no padding → sums of 2x2 windows.
  const x = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  const w = Tensor.ones([1, 1, 2, 2]);
  assert.deepEqual(T.conv2d(x, w, Tensor.from([1], [1])).toArray(), [13, 17, 25, 29]);
  assert.deepEqual(T.maxPool2d(x, { kernel: 2, stride: 1 }).toArray(), [5, 6, 8, 9]);
  assert.deepEqual(T.avgPool2d(x, { kernel: 2, stride: 1 }).toArray(), [3, 4, 6, 7]);
});

test('gradients of elementwise ops with broadcasting', () => {
  const a = rand([3, 4]);
  const b = rand([4]);
  const c = rand([3, 1]);
  const pos = rand([3, 4], 0.5, 2);
  check('add', () => T.add(a, b), [a, b]);
  check('sub', () => T.sub(a, c), [a, c]);
  check('mul', () => T.mul(a, c), [a, c]);
  check('div', () => T.div(a, T.add(pos, 0)), [a, pos]);
  check('mul scalar-tensor', () => T.mul(a, Tensor.scalar(0.7)), [a]);
  check('relu', () => T.relu(a), [a]);
  check('sigmoid', () => T.sigmoid(a), [a]);
  check('tanh', () => T.tanh(a), [a]);
  check('exp', () => T.exp(a), [a]);
  check('log', () => T.log(pos), [pos]);
  check('square/sqrt', () => T.sqrt(T.square(pos)), [pos]);
  check('clamp', () => T.clamp(a, -0.5, 0.5), [a]);
  check('scale/neg', () => T.neg(T.scale(a, 3)), [a]);
});

test('gradients of reductions, softmax family and shape ops', () => {
  const a = rand([2, 3, 4]);
  check('sum all', () => T.mul(T.sum(a), Tensor.scalar(1)), [a]);
  check('sum axis', () => T.sum(a, 1), [a]);
  check('sum keepDims', () => T.sum(a, -1, true), [a]);
  check('mean', () => T.mean(a, 2), [a]);
  check('max', () => T.max(a, 1), [a]);
  check('softmax', () => T.softmax(a, -1), [a]);
  check('softmax axis 1', () => T.softmax(a, 1), [a]);
  check('logSoftmax', () => T.logSoftmax(a, -1), [a]);
  check('reshape', () => T.reshape(a, [6, -1]), [a]);
  check('transpose', () => T.transpose(a, [2, 0, 1]), [a]);
  const b = rand([1, 3, 4]);
  check('concat0', () => T.concat0([a, b]), [a, b]);
});

test('gradients of matmul, linear, pick', () => {
  const a = rand([3, 5]);
  const b = rand([5, 2]);
  const w = rand([4, 5]);
  const bias = rand([4]);
  check('matmul', () => T.matmul(a, b), [a, b]);
  check('linear', () => T.linear(a, w, bias), [a, w, bias]);
  check('linear no bias', () => T.linear(a, w, null), [a, w]);
  check('pick', () => T.pick(T.logSoftmax(a), Int32Array.from([0, 4, 2])), [a]);
});

test('gradients of conv2d and pooling, with stride and padding', () => {
  const x = rand([2, 2, 5, 5]);
  const w = rand([3, 2, 3, 3]);
  const b = rand([3]);
  check('conv2d', () => T.conv2d(x, w, b, { stride: 1, padding: 1 }), [x, w, b]);
  check('conv2d stride 2', () => T.conv2d(x, w, null, { stride: 2, padding: 0 }), [x, w]);
  check('maxPool2d', () => T.maxPool2d(x, { kernel: 2, stride: 2 }), [x]);
  check('avgPool2d padded', () => T.avgPool2d(x, { kernel: 3, stride: 2, padding: 1 }), [x]);
});

test('dropout: identity in eval, unbiased scaling in training, gradient through mask', () => {
  const x = Tensor.ones([10000], true);
  assert.equal(T.dropout(x, 0.5, false, new Rng(1)), x);
  const y = T.dropout(x, 0.3, true, new Rng(1));
  const m = y.toArray().reduce((s, v) => s + v, 0) / y.size;
  assert.ok(Math.abs(m - 1) < 0.05, `mean ${m}`);
  T.sum(y).backward();
  assert.deepEqual(Array.from(x.grad!).slice(0, 50), y.toArray().slice(0, 50));
});

test('noGrad records no graph; bad shapes give typed errors', () => {
  const a = rand([2, 2]);
  const y = T.noGrad(() => T.relu(a));
  assert.equal(y.requiresGrad, false);
  assert.throws(() => T.matmul(a, rand([3, 3])), { code: 'LEPTON_ERR_SHAPE_MISMATCH' });
  assert.throws(() => T.add(rand([2, 3]), rand([4])), { code: 'LEPTON_ERR_SHAPE_MISMATCH' });
  assert.throws(() => T.reshape(a, [3, -1]), { code: 'LEPTON_ERR_SHAPE_MISMATCH' });
  assert.throws(() => new Tensor(new Float32Array(3), [2, 2]), { code: 'LEPTON_ERR_SHAPE_MISMATCH' });
});

test('gradients accumulate across uses of the same tensor', () => {
  const a = Tensor.from([1, 2, 3], [3], true);
  T.sum(T.add(T.mul(a, a), a)).backward(); // d/da (a² + a) = 2a + 1
  assert.deepEqual(Array.from(a.grad!), [3, 5, 7]);
});
