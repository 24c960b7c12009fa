// Layers, Sequential naming, specs, init statistics and batch-norm modes, checked against PyTorch conventions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { Tensor, gradCheck, sum, mul } from '../tensor/index.js';
import {
  Sequential, Linear, Conv2d, ReLU, MaxPool2d, AvgPool2d, Flatten, BatchNorm1d, BatchNorm2d, Dropout, Softmax, Sigmoid, Tanh,
  buildModule, namedArch, xavierUniform, xavierNormal, kaimingNormal, kaimingUniform, calculateGain, fans, initWeight,
  crossEntropy, l1Penalty, l2Penalty,
} from './index.js';

const stats = (d: Float32Array) => {
  const m = d.reduce((a, b) => a + b, 0) / d.length;
  const v = d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length;
  return { mean: m, std: Math.sqrt(v), maxAbs: d.reduce((a, b) => Math.max(a, Math.abs(b)), 0) };
};

test('Sequential names parameters like PyTorch and round-trips through its spec', () => {
  const net = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 14 * 14, 10));
  assert.deepEqual(
    net.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`),
    ['0.weight:4x1x3x3', '0.bias:4', '1.weight:4', '1.bias:4', '5.weight:10x784', '5.bias:10'],
  );
  assert.deepEqual([...net.stateDict().keys()].slice(-2), ['1.running_mean', '1.running_var']);
  const copy = buildModule(JSON.parse(JSON.stringify(net.spec())), { rng: new Rng(3) });
  assert.deepEqual(copy.spec(), net.spec());
  copy.loadStateDict(net.stateDict());
  const x = Tensor.uniform([2, 1, 28, 28], new Rng(1), 0, 1);
  net.eval();
  copy.eval();
  assert.deepEqual(copy.forward(x).toArray(), net.forward(x).toArray());
  assert.throws(() => copy.loadStateDict(new Map([['0.weight', { shape: [1], data: [1] }]])), /shape|no tensor/);
  assert.throws(() => buildModule({ type: 'nope' } as never), /unknown layer/);
});

test('named architectures have the documented shapes', () => {
  const mlp = buildModule(namedArch('mlp').model);
  assert.equal(mlp.numParameters(), 784 * 128 + 128 + 128 * 10 + 10);
  assert.deepEqual(mlp.forward(Tensor.zeros([3, 784])).shape, [3, 10]);
  const cnn = buildModule(namedArch('cnn').model);
  assert.deepEqual(cnn.forward(Tensor.zeros([2, 1, 28, 28])).shape, [2, 10]);
  assert.throws(() => namedArch('resnet'), /unknown architecture/);
});

test('init: default is U(±1/√fan_in); Xavier and Kaiming have the PyTorch spreads', () => {
  const rng = new Rng(7);
  const lin = new Linear(400, 300, { rng });
  const bound = 1 / Math.sqrt(400);
  assert.ok(stats(lin.weight.data).maxAbs <= bound && stats(lin.weight.data).maxAbs > 0.95 * bound);
  assert.ok(stats(lin.bias!.data).maxAbs <= bound);
  assert.deepEqual(fans([8, 4, 3, 3]), [36, 72]);
  const w = Tensor.zeros([300, 400]);
  xavierUniform(w, rng);
  assert.ok(Math.abs(stats(w.data).std - Math.sqrt(2 / 700)) < 0.02 * Math.sqrt(2 / 700));
  xavierNormal(w, rng, 2);
  assert.ok(Math.abs(stats(w.data).std - 2 * Math.sqrt(2 / 700)) < 0.02 * 2 * Math.sqrt(2 / 700));
  kaimingNormal(w, rng, { nonlinearity: 'relu' });
  assert.ok(Math.abs(stats(w.data).std - Math.sqrt(2 / 400)) < 0.02 * Math.sqrt(2 / 400));
  kaimingUniform(w, rng, { mode: 'fan_out', nonlinearity: 'relu' });
  assert.ok(stats(w.data).maxAbs <= Math.sqrt(6 / 300));
  assert.equal(calculateGain('tanh'), 5 / 3);
  const b = Tensor.ones([300]);
  initWeight('zeros', w, b, rng);
  assert.equal(stats(w.data).maxAbs + stats(b.data).maxAbs, 0);
  // Same seed → same weights.
  assert.deepEqual(new Linear(5, 3, { rng: new Rng(1) }).weight.toArray(), new Linear(5, 3, { rng: new Rng(1) }).weight.toArray());
});

test('BatchNorm1d: train mode normalises and tracks stats; eval uses them', () => {
  const bn = new BatchNorm1d(2);
  const x = Tensor.from([[1, 10], [3, 20], [5, 30]]);
  const y = bn.forward(x);
  assert.ok(Math.abs(y.data[0]! + y.data[4]!) < 1e-6 && Math.abs(y.data[2]!) < 1e-6);
  assert.ok(Math.abs(bn.runningMean.data[1]! - 2) < 1e-6);
  bn.eval();
  const z = bn.forward(Tensor.from([[0.3, 2]]));
  assert.ok(Math.abs(z.data[0]! - (0.3 - 0.3) / Math.sqrt(0.9 + 0.4 + 1e-5)) < 1e-6);
  assert.throws(() => bn.forward(Tensor.zeros([2, 3])), /batchnorm1d/);
});

test('Dropout is identity in eval, scales survivors in train; activations and Softmax', () => {
  const d = new Dropout(0.5, new Rng(2));
  const x = Tensor.ones([1000]);
  const y = d.forward(x);
  assert.ok(y.toArray().every((v) => v === 0 || v === 2));
  assert.ok(Math.abs(stats(y.data).mean - 1) < 0.1);
  d.eval();
  assert.equal(d.forward(x), x);
  const s = new Softmax().forward(Tensor.from([[1, 1]]));
  assert.deepEqual(s.toArray(), [0.5, 0.5]);
  assert.ok(Math.abs(new Sigmoid().forward(Tensor.from([0], [1])).item() - 0.5) < 1e-7);
  assert.ok(Math.abs(new Tanh().forward(Tensor.from([0.5], [1])).item() - Math.tanh(0.5)) < 1e-7);
  assert.deepEqual(new AvgPool2d(2).forward(Tensor.from([1, 2, 3, 4], [1, 1, 2, 2])).toArray(), [2.5]);
});

test('a small network gradient-checks end to end through layers and the loss', () => {
  const rng = new Rng(11);
  const net = new Sequential(new Linear(4, 5, { rng }), new Tanh(), new BatchNorm1d(5), new Linear(5, 3, { rng }));
  const x = Tensor.uniform([6, 4], rng, -1, 1);
  const y = Int32Array.from([0, 1, 2, 0, 1, 2]);
  const r = gradCheck(() => crossEntropy(net.forward(x), y, { labelSmoothing: 0.1 }), net.parameters());
  assert.ok(r.maxRelErr < 3e-2, `rel err ${r.maxRelErr}`);
  const p = [Tensor.from([1, -2], [2])];
  assert.equal(l1Penalty(p, 0.5).item(), 1.5);
  assert.equal(l2Penalty(p, 0.5).item(), 1.25);
  assert.equal(sum(mul(p[0]!, p[0]!)).item(), 5);
});
