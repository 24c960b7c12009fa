// Estimator behaviour that the sklearn references do not cover: the k-d tree agrees with brute
// force, toJSON/fromJSON round trips, input validation, splits and folds, and PCA's error curve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../core/rng.js';
import * as ml from './index.js';

function randomRows(n: number, d: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

test('k-d tree and brute force return identical neighbours', () => {
  const X = randomRows(500, 3, 1);
  const Q = randomRows(50, 3, 2);
  for (const metric of ['euclidean', 'manhattan'] as const) {
    const brute = new ml.KNNRegressor({ k: 7, metric, algorithm: 'brute' }).fit(X, X.map((r) => r[0] as number));
    const tree = new ml.KNNRegressor({ k: 7, metric, algorithm: 'kd_tree', leafSize: 5 }).fit(X, X.map((r) => r[0] as number));
    assert.deepEqual(Array.from(tree.kneighbors(Q).indices), Array.from(brute.kneighbors(Q).indices));
  }
});

test('brute force tiles give the same answer for any block size', () => {
  const X = ml.toMatrix(randomRows(300, 20, 3));
  const Q = ml.toMatrix(randomRows(40, 20, 4));
  const a = ml.bruteKNeighbors(Q, ml.matrixSource(X), 5, 'euclidean');
  const b = ml.bruteKNeighbors(Q, ml.matrixSource(X), 5, 'euclidean', { queryBlock: 7, baseBlock: 13 });
  assert.deepEqual(Array.from(a.indices), Array.from(b.indices));
});

test('distance weights give exact matches all the weight', () => {
  const m = new ml.KNNClassifier({ k: 3, weights: 'distance' }).fit([[0], [1], [2]], [0, 1, 1]);
  assert.deepEqual(m.predictProba([[0]]), [[1, 0]]);
});

test('every estimator round-trips through JSON', () => {
  const X = randomRows(120, 4, 5);
  const y = X.map((r) => ((r[0] as number) + (r[1] as number) > 0 ? 1 : 0));
  const Q = randomRows(20, 4, 6);
  const same = (a: ArrayLike<number>, b: ArrayLike<number>): void => assert.deepEqual(Array.from(a), Array.from(b));
  const knn = new ml.KNNClassifier({ k: 3 }).fit(X, y);
  same(ml.KNNClassifier.fromJSON(JSON.parse(JSON.stringify(knn))).predict(Q), knn.predict(Q));
  const knr = new ml.KNNRegressor({ k: 3 }).fit(X, y);
  same(ml.KNNRegressor.fromJSON(JSON.parse(JSON.stringify(knr))).predict(Q), knr.predict(Q));
  const tree = new ml.DecisionTreeClassifier({ maxDepth: 3 }).fit(X, y);
  same(ml.DecisionTreeClassifier.fromJSON(JSON.parse(JSON.stringify(tree))).predict(Q), tree.predict(Q));
  const reg = new ml.DecisionTreeRegressor({ maxDepth: 3 }).fit(X, y);
  same(ml.DecisionTreeRegressor.fromJSON(JSON.parse(JSON.stringify(reg))).predict(Q), reg.predict(Q));
  const km = new ml.KMeans({ k: 3, seed: 1 }).fit(X);
  same(ml.KMeans.fromJSON(JSON.parse(JSON.stringify(km))).predict(Q), km.predict(Q));
  const mb = new ml.MiniBatchKMeans({ k: 3, batchSize: 32, seed: 1 }).fit(X);
  same(ml.MiniBatchKMeans.fromJSON(JSON.parse(JSON.stringify(mb))).predict(Q), mb.predict(Q));
  const pca = new ml.PCA({ nComponents: 2, whiten: true }).fit(X);
  same(ml.PCA.fromJSON(JSON.parse(JSON.stringify(pca))).transform(Q).data, pca.transform(Q).data);
  const ss = new ml.StandardScaler().fit(X);
  same(ml.StandardScaler.fromJSON(JSON.parse(JSON.stringify(ss))).transform(Q).data, ss.transform(Q).data);
  const mm = new ml.MinMaxScaler().fit(X);
  same(ml.MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(mm))).transform(Q).data, mm.transform(Q).data);
  assert.throws(() => ml.KMeans.fromJSON({ kind: 'PCA' }), { code: 'LEPTON_ERR_CORRUPT_FILE' });
  const bad = JSON.parse(JSON.stringify(tree));
  bad.tree.left[0] = 99;
  assert.throws(() => ml.DecisionTreeClassifier.fromJSON(bad), { code: 'LEPTON_ERR_CORRUPT_FILE' });
});

test('bad inputs are typed errors', () => {
  assert.throws(() => new ml.KNNClassifier({ k: 0 }), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
  assert.throws(() => new ml.KNNClassifier().fit([[1, 2], [3]], [0, 1]), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
  assert.throws(() => new ml.KNNClassifier({ k: 1 }).fit([[1, NaN]], [0]), /NaN/);
  assert.throws(() => new ml.KNNClassifier({ k: 1 }).fit([[1, 2]], [0]).predict([[1]]), { code: 'LEPTON_ERR_SHAPE_MISMATCH' });
  assert.throws(() => new ml.DecisionTreeClassifier().predict([[1]]), { code: 'LEPTON_ERR_NOT_READY' });
  assert.throws(() => new ml.DecisionTreeClassifier({ criterion: 'squared_error' }), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
  assert.throws(() => new ml.KMeans({ k: 5 }).fit([[1], [2]]), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
});

test('trainTestSplit is seeded, sized like sklearn and keeps class proportions when stratified', () => {
  const y = Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : 1));
  const X = y.map((v, i) => [i, v]);
  const a = ml.trainTestSplit(X, y, { testSize: 0.25, stratify: y, seed: 3 });
  const b = ml.trainTestSplit(X, y, { testSize: 0.25, stratify: y, seed: 3 });
  assert.deepEqual(a.test, b.test);
  assert.equal(a.test.length, 25);
  assert.equal(a.yTest.filter((v) => v === 1).length, 5);
  assert.equal(new Set([...a.train, ...a.test]).size, 100);
  assert.equal(ml.splitIndices(10, { testSize: 0.33 }).test.length, 4); // ceil, as sklearn
  assert.notDeepEqual(ml.splitIndices(50, { seed: 1 }).test, ml.splitIndices(50, { seed: 2 }).test);
});

test('kFold partitions the rows with sklearn fold sizes', () => {
  const folds = ml.kFold(11, { k: 3 });
  assert.deepEqual(folds.map((f) => f.test.length), [4, 4, 3]);
  assert.deepEqual(Array.from(folds[0]!.test), [0, 1, 2, 3]);
  const seen = folds.flatMap((f) => Array.from(f.test)).sort((p, q) => p - q);
  assert.deepEqual(seen, Array.from({ length: 11 }, (_, i) => i));
  for (const f of ml.kFold(20, { k: 4, shuffle: true, seed: 1 })) assert.equal(f.train.length + f.test.length, 20);
});

test('the symmetric eigensolver reconstructs A = VᵀΛV', () => {
  const n = 12;
  const rng = new Rng(9);
  const B = Array.from({ length: n * n }, () => rng.normal());
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) A[i * n + j]! += B[i * n + k]! * B[j * n + k]!;
  const { values, vectors } = ml.symmetricEigen(A, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[k * n + i]! * values[k]! * vectors[k * n + j]!;
      assert.ok(Math.abs(s - A[i * n + j]!) < 1e-9 * Math.max(1, Math.abs(A[i * n + j]!)));
    }
  }
  for (let i = 1; i < n; i++) assert.ok(values[i - 1]! >= values[i]!);
});

test('property: PCA reconstruction error never rises as components are added', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), (seed) => {
      const X = randomRows(40, 6, seed);
      let prev = Infinity;
      for (let k = 1; k <= 6; k++) {
        const p = new ml.PCA({ nComponents: k }).fit(X);
        const R = p.inverseTransform(p.transform(X));
        let err = 0;
        X.forEach((row, i) => row.forEach((v, j) => (err += (v - R.data[i * 6 + j]!) ** 2)));
        assert.ok(err <= prev + 1e-6, `k=${k}: ${err} > ${prev}`);
        prev = err;
      }
      assert.ok(prev < 1e-6); // all components: exact reconstruction
    }),
    { numRuns: 25 },
  );
});
