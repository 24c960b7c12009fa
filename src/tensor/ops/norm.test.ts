// Fused batch norm: forward against a direct computation, running stats as PyTorch, gradients by finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/rng.js';
import { Tensor } from '../tensor.js';
import { gradCheck } from '../gradcheck.js';
import { mul, sum } from '../index.js';
import { batchNorm } from './norm.js';

const rng = new Rng(9);
const weighted = (y: Tensor) => sum(mul(y, Tensor.from(Array.from({ length: y.size }, (_, i) => Math.cos(i)), y.shape)));

test('training mode normalises per channel and updates running stats (unbiased var, momentum 0.1)', () => {
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]); // channel 0: 1,3,5; channel 1: 2,4,6
  const rm = new Float32Array(2);
  const rv = Float32Array.from([1, 1]);
  const y = batchNorm(x, Tensor.ones([2]), Tensor.zeros([2]), { training: true, runningMean: rm, runningVar: rv });
  const s = 1 / Math.sqrt(8 / 3 + 1e-5);
  [-2 * s, -2 * s, 0, 0, 2 * s, 2 * s].forEach((v, i) => assert.ok(Math.abs(y.data[i]! - v) < 1e-5));
  assert.ok(Math.abs(rm[0]! - 0.3) < 1e-6 && Math.abs(rm[1]! - 0.4) < 1e-6);
  assert.ok(Math.abs(rv[0]! - (0.9 + 0.1 * 4)) < 1e-6); // unbiased var of 1,3,5 is 4
});

test('eval mode uses the running stats', () => {
  const x = Tensor.from([3, 5], [1, 2]);
  const y = batchNorm(x, Tensor.from([2, 1], [2]), Tensor.from([1, 0], [2]), {
    training: false,
    runningMean: Float32Array.from([1, 5]),
    runningVar: Float32Array.from([4, 1]),
    eps: 0,
  });
  assert.deepEqual(y.toArray(), [3, 0]);
});

test('gradients match finite differences for 2-d and 4-d inputs, train and eval', () => {
  for (const shape of [[4, 3], [2, 3, 2, 2]]) {
    for (const training of [true, false]) {
      const x = Tensor.uniform(shape, rng, -2, 2, true);
      const g = Tensor.uniform([3], rng, 0.5, 1.5, true);
      const b = Tensor.uniform([3], rng, -1, 1, true);
      const f = () =>
        weighted(batchNorm(x, g, b, { training, runningMean: new Float32Array(3), runningVar: Float32Array.from([1, 2, 3]) }));
      const r = gradCheck(f, [x, g, b]);
      assert.ok(r.maxRelErr < 2e-2, `${shape} training=${training}: rel err ${r.maxRelErr}`);
    }
  }
});

test('relu6 fused into batch norm equals relu6 after it, values and gradients, training and eval', async () => {
  const { relu6 } = await import('./light.js');
  for (const training of [true, false]) {
    const run = (fused: boolean) => {
      const r = new Rng(31);
      // Scaled so outputs land below 0, inside (0, 6) and above 6.
      const x = Tensor.randn([3, 4, 5, 5], r, 1, 0, true); // several images and channels: the case a double-precision clamp got wrong
      const gamma = Tensor.from([4, 1, 3, 0.5], [4], true);
      const beta = Tensor.from([2, -0.5, 3, 0], [4], true);
      const o = { training, runningMean: Float32Array.from([0.1, 0, -0.2, 0]), runningVar: Float32Array.from([1, 2, 0.5, 1]) };
      const y = fused ? batchNorm(x, gamma, beta, { ...o, relu6: true }) : relu6(batchNorm(x, gamma, beta, o));
      weighted(y).backward();
      return [y.data, x.grad!, gamma.grad!, beta.grad!];
    };
    const [a, b] = [run(true), run(false)];
    const high = a[0]!.filter((v) => v === 6).length;
    const low = a[0]!.filter((v) => v === 0).length;
    assert.ok(high > 0 && low > 0, `the case clamps at both ends (${low} at 0, ${high} at 6)`);
    assert.deepEqual(a[0], b[0], 'the same values, bit for bit (exact zeros and sixes included)');
    a.forEach((arr, k) => arr.forEach((v, i) => assert.ok(Math.abs(v - b[k]![i]!) < 1e-5, `training=${training} tensor ${k} [${i}]: ${v} vs ${b[k]![i]}`)));
  }
});
