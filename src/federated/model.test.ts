// Local training: the delta is what training moved, FedProx's μ pulls it toward the global model,
// and the weight vector round-trips through a model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import type { ImageDataset } from '../data/index.js';
import { buildModel, evaluateVector, getVector, setVector, trainLocal } from './model.js';
import type { ModelArch } from '../nn/index.js';

const arch: ModelArch = {
  inputShape: [4],
  numClasses: 2,
  model: { type: 'sequential', layers: [{ type: 'linear', inFeatures: 4, outFeatures: 8 }, { type: 'relu' }, { type: 'linear', inFeatures: 8, outFeatures: 2 }] },
};

function toy(n: number): ImageDataset {
  const rng = new Rng(4);
  const x = Float32Array.from({ length: n * 4 }, () => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => (x[i * 4]! + x[i * 4 + 1]! > 0 ? 1 : 0));
  return { name: 'toy', x, y, n, shape: [1, 2, 2], numClasses: 2, labels: ['a', 'b'] };
}

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('trainLocal returns local − global, and training helps', () => {
  const ds = toy(200);
  const g = getVector(buildModel(arch, 1));
  const { delta } = trainLocal(arch, g, ds, { epochs: 5, batchSize: 10, lr: 0.1 });
  const w = g.map((x, i) => x + delta[i]!);
  assert.ok(evaluateVector(arch, w, ds).accuracy > evaluateVector(arch, g, ds).accuracy);
  const m = buildModel(arch, 9);
  setVector(m, w);
  assert.deepEqual(getVector(m), w);
});

test('FedProx μ shrinks the local drift', () => {
  const ds = toy(200);
  const g = getVector(buildModel(arch, 1));
  const free = trainLocal(arch, g, ds, { epochs: 5, batchSize: 10, lr: 0.1, seed: 3 }).delta;
  const prox = trainLocal(arch, g, ds, { epochs: 5, batchSize: 10, lr: 0.1, seed: 3, proxMu: 1 }).delta;
  assert.ok(norm(prox) < 0.8 * norm(free), `‖prox‖ ${norm(prox)} vs ‖free‖ ${norm(free)}`);
});
