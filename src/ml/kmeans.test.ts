// K-means with Hamerly's bounds must be plain Lloyd with fewer distances: the same labels, centres,
// inertia and iteration count from the same fixed initial centres, also when a cluster empties
// and is relocated; and it must actually skip work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import * as ml from './index.js';
import { hamerlyStats } from './kmeans-hamerly.js';

/** n points around `k` overlapping Gaussian blobs in d dimensions (overlap makes Lloyd iterate). */
function blobs(n: number, d: number, k: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => rng.uniform(-3, 3)));
  return Array.from({ length: n }, (_, i) => centres[i % k]!.map((v) => v + rng.normal() * 3));
}

function fit(X: number[][], init: number[][], algorithm: 'lloyd' | 'hamerly'): ml.KMeans {
  return new ml.KMeans({ k: init.length, init, algorithm, maxIter: 300, tol: 0 }).fit(X);
}

test('Hamerly-bounded k-means equals plain Lloyd from a fixed init, and skips most distances', () => {
  const X = blobs(4000, 8, 8, 1);
  const init = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => X[i * 9]!);
  const plain = fit(X, init, 'lloyd');
  const fast = fit(X, init, 'hamerly');
  assert.ok(plain.nIter > 5, `the data should need several iterations, got ${plain.nIter}`);
  assert.equal(fast.nIter, plain.nIter);
  assert.deepEqual(Array.from(fast.labels!), Array.from(plain.labels!));
  assert.deepEqual(Array.from(fast.clusterCenters!), Array.from(plain.clusterCenters!));
  assert.equal(fast.inertia, plain.inertia);
  assert.ok(hamerlyStats.measured < 0.5 * hamerlyStats.pointIterations, `measured ${hamerlyStats.measured} of ${hamerlyStats.pointIterations}`);
});

test('Hamerly-bounded k-means relocates an empty cluster as plain Lloyd does', () => {
  const X = blobs(600, 4, 3, 2);
  // The fourth centre is far from every point: it empties in the first iteration.
  const init = [X[0]!, X[1]!, X[2]!, [100, 100, 100, 100]];
  const plain = fit(X, init, 'lloyd');
  const fast = fit(X, init, 'hamerly');
  assert.deepEqual(Array.from(fast.labels!), Array.from(plain.labels!));
  assert.deepEqual(Array.from(fast.clusterCenters!), Array.from(plain.clusterCenters!));
  assert.equal(fast.inertia, plain.inertia);
});

test('KMeans rejects an unknown algorithm', () => {
  assert.throws(() => new ml.KMeans({ algorithm: 'elkan' as 'lloyd' }), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
});
