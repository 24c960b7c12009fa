// Grouped/depthwise conv against a dense conv with a block-diagonal weight; ReLU6, Hardswish and
// global average pooling against direct formulas; every gradient by finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { Tensor } from '../tensor.js';
import { gradCheck } from '../gradcheck.js';
import { mul, sum } from '../index.js';
import { conv2d } from './conv.js';
import { relu6, hardswish, globalAvgPool2d } from './light.js';

const rng = new Rng(22);
const weighted = (y: Tensor) => sum(mul(y, Tensor.from(Array.from({ length: y.size }, (_, i) => Math.cos(i)), y.shape)));

/** The dense [O, C, k, k] weight a grouped [O, C/groups, k, k] weight stands for (zeros across groups). */
function blockDiagonal(w: Tensor, c: number, groups: number): Tensor {
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const og = o / groups;
  const d = new Float32Array(o * c * kh * kw);
  for (let oi = 0; oi < o; oi++) {
    const gi = Math.floor(oi / og);
    for (let ci = 0; ci < cg; ci++)
      for (let k = 0; k < kh * kw; k++) d[((oi * c + gi * cg + ci) * kh * kw) + k] = w.data[(oi * cg + ci) * kh * kw + k]!;
  }
  return new Tensor(d, [o, c, kh, kw]);
}

const cases = [
  { name: 'depthwise 3x3 stride 1 pad 1', c: 4, o: 4, groups: 4, k: 3, stride: 1, padding: 1, h: 6 },
  { name: 'depthwise 3x3 stride 2 pad 1', c: 3, o: 3, groups: 3, k: 3, stride: 2, padding: 1, h: 7 },
  { name: 'depthwise multiplier 2, 5x5 pad 2', c: 2, o: 4, groups: 2, k: 5, stride: 1, padding: 2, h: 5 },
  { name: 'grouped 2 groups, 2 channels each', c: 4, o: 6, groups: 2, k: 3, stride: 1, padding: 0, h: 5 },
];

for (const cs of cases) {
  test(`${cs.name}: equals the dense conv with a block-diagonal weight`, () => {
    const x = Tensor.randn([2, cs.c, cs.h, cs.h], rng);
    const w = Tensor.randn([cs.o, cs.c / cs.groups, cs.k, cs.k], rng);
    const b = Tensor.randn([cs.o], rng);
    const opts = { stride: cs.stride, padding: cs.padding };
    const y = conv2d(x, w, b, { ...opts, groups: cs.groups });
    const ref = conv2d(x, blockDiagonal(w, cs.c, cs.groups), b, opts);
    assert.deepEqual(y.shape, ref.shape);
    for (let i = 0; i < y.size; i++) assert.ok(Math.abs(y.data[i]! - ref.data[i]!) < 1e-4, `at ${i}: ${y.data[i]} vs ${ref.data[i]}`);
  });

  test(`${cs.name}: gradients match finite differences`, () => {
    const x = Tensor.randn([2, cs.c, cs.h, cs.h], rng, 1, 0, true);
    const w = Tensor.randn([cs.o, cs.c / cs.groups, cs.k, cs.k], rng, 1, 0, true);
    const b = Tensor.randn([cs.o], rng, 1, 0, true);
    const r = gradCheck(() => weighted(conv2d(x, w, b, { stride: cs.stride, padding: cs.padding, groups: cs.groups })), [x, w, b]);
    // float32 sums over whole windows: judge by absolute error (gradients here are of order 1–10)
    assert.ok(r.maxAbsErr < 2e-3, JSON.stringify(r));
  });
}

test('conv2d refuses channels that do not divide into the groups', () => {
  assert.throws(() => conv2d(Tensor.zeros([1, 4, 3, 3]), Tensor.zeros([3, 2, 1, 1]), null, { groups: 2 }), /group/);
  assert.throws(() => conv2d(Tensor.zeros([1, 4, 3, 3]), Tensor.zeros([4, 1, 1, 1]), null, { groups: 2 }), /group/);
});

test('relu6 and hardswish follow their formulas and gradients', () => {
  const v = [-7, -3.5, -1, 0.5, 2.9, 3.5, 5.5, 8];
  const x = Tensor.from(v, [8]);
  assert.deepEqual(Array.from(relu6(x).data), v.map((a) => Math.fround(Math.min(Math.max(a, 0), 6))));
  hardswish(x).data.forEach((y, i) => assert.ok(Math.abs(y - (v[i]! * Math.min(Math.max(v[i]! + 3, 0), 6)) / 6) < 1e-6));
  const xg = Tensor.from(v, [8], true); // no point sits on a kink, so central differences are exact
  assert.ok(gradCheck(() => weighted(relu6(xg)), [xg], 1e-3).maxAbsErr < 1e-3);
  assert.ok(gradCheck(() => weighted(hardswish(xg)), [xg], 1e-3).maxAbsErr < 1e-3);
});

test('global average pooling: plane means, [N, C, 1, 1], gradient spread evenly', () => {
  const x = Tensor.from([1, 2, 3, 4, 10, 20, 30, 40], [1, 2, 2, 2], true);
  const y = globalAvgPool2d(x);
  assert.deepEqual(y.shape, [1, 2, 1, 1]);
  assert.deepEqual(Array.from(y.data), [2.5, 25]);
  const xr = Tensor.randn([2, 3, 3, 4], rng, 1, 0, true);
  assert.ok(gradCheck(() => weighted(globalAvgPool2d(xr)), [xr]).maxRelErr < 1e-3);
});
