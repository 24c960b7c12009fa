// The training loop on generated, linearly separable blobs: learning, evaluation, progress, early stopping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { Sequential, Linear, ReLU, Adam, SGD, StepLR, fit, evaluate, type Batch } from './index.js';

/** Three gaussian blobs in 4-d, one per class. */
function blobs(n: number, seed: number): Batch[] {
  const rng = new Rng(seed);
  const centers = [[2, 0, 0, 1], [-2, 1, 0, 0], [0, -2, 2, 0]];
  const out: Batch[] = [];
  for (let b = 0; b < n / 20; b++) {
    const x = new Float32Array(20 * 4);
    const y = new Int32Array(20);
    for (let i = 0; i < 20; i++) {
      const c = rng.int(3);
      y[i] = c;
      for (let k = 0; k < 4; k++) x[i * 4 + k] = centers[c]![k]! + rng.normal(0, 0.7);
    }
    out.push({ x, y, size: 20 });
  }
  return out;
}

test('fit learns separable data, reports metrics and progress, steps the schedule', () => {
  const train = blobs(400, 1);
  const testSet = blobs(200, 2);
  const net = new Sequential(new Linear(4, 16, { rng: new Rng(3) }), new ReLU(), new Linear(16, 3, { rng: new Rng(4) }));
  const before = evaluate(net, testSet, [4]);
  const opt = new Adam(net.parameters(), { lr: 0.01 });
  const updates: string[] = [];
  const r = fit(net, {
    epochs: 5,
    train: () => train,
    test: () => testSet,
    inputShape: [4],
    optimizer: opt,
    scheduler: new StepLR(opt, 2, 0.5),
    batchesPerEpoch: train.length,
    progress: { update: (_d, _t, info) => updates.push(info ?? ''), finish: () => {} },
  });
  assert.equal(r.epochsRun, 5);
  assert.ok(r.accuracy > 0.95 && r.accuracy > before.accuracy, `accuracy ${r.accuracy} (before ${before.accuracy})`);
  assert.equal(r.accuracy, evaluate(net, testSet, [4]).accuracy);
  assert.ok(r.history[4]!.trainLoss < r.history[0]!.trainLoss);
  assert.deepEqual(r.history.map((h) => h.lr), [0.01, 0.01, 0.005, 0.005, 0.0025]);
  assert.ok(r.imagesPerSecond > 0 && r.secondsPerEpoch > 0);
  assert.equal(updates.length, 5 * train.length);
  assert.match(updates[0]!, /epoch 1\/5 loss .* acc .* img\/s/);
  assert.equal(net.training, true);
});

test('early stopping stops after `patience` flat epochs and restores the best weights', () => {
  const train = blobs(200, 5);
  const testSet = blobs(100, 6);
  const net = new Sequential(new Linear(4, 3, { rng: new Rng(7) }));
  // lr 0: nothing improves after the first epoch.
  const r = fit(net, { epochs: 10, train: () => train, test: () => testSet, inputShape: [4], optimizer: new SGD(net.parameters(), { lr: 0 }), earlyStopping: { patience: 2 } });
  assert.equal(r.stoppedEarly, true);
  assert.equal(r.epochsRun, 3);
  assert.equal(r.bestEpoch, 1);
  assert.throws(() => fit(net, { epochs: -1, train: () => train, inputShape: [4], optimizer: new SGD(net.parameters(), { lr: 0 }) }), /epochs/);
  assert.throws(() => fit(net, { epochs: 1, train: () => train, inputShape: [4], optimizer: new SGD(net.parameters(), { lr: 0 }), earlyStopping: { patience: 1 } }), /test set/);
});

test('a diverging run fails with an actionable message', () => {
  const train = blobs(40, 8);
  train[0]!.x[0] = Number.NaN;
  const net = new Sequential(new Linear(4, 3));
  assert.throws(() => fit(net, { epochs: 1, train: () => train, inputShape: [4], optimizer: new SGD(net.parameters(), { lr: 0.1 }) }), /diverged/);
});
