// FeatureCodec with --reduce lda on real MNIST: the codes are classes − 1 = 9 bytes, survive a JSON
// round trip (as the vector index stores the codec), and a 5-NN vote over them classifies held-out
// digits about as well as 256-byte PCA codes; bad reduce settings are INVALID_ARGUMENT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, take } from '../src/data/index.js';
import { FeatureCodec, VectorIndex } from '../src/vision/index.js';

function knnAccuracy(codec: FeatureCodec, train: { x: Float32Array; y: ArrayLike<number>; n: number }, test: { x: Float32Array; y: ArrayLike<number>; n: number }): number {
  const index = new VectorIndex(codec.quantizer);
  index.add(codec.encode(train.x, train.n));
  const hits = index.search(codec.embed(test.x, test.n), 5);
  let right = 0;
  hits.forEach((h, i) => {
    const votes = new Map<number, number>();
    for (const hit of h) votes.set(train.y[hit.id]!, (votes.get(train.y[hit.id]!) ?? 0) + 1);
    const best = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    if (best === test.y[i]) right++;
  });
  return right / test.n;
}

test('LDA codes: 9 bytes for 10 classes, JSON round trip, 5-NN accuracy near 256-byte PCA codes', () => {
  const ds = loadDataset('mnist-small');
  const train = take(ds.train, 2000);
  const testSet = take(ds.test, 400);
  const hog = { cellSize: 7 }; // 324 HOG values keep both fits quick
  const lda = FeatureCodec.fit(train.x, train.n, { reduce: 'lda', labels: train.y, hog });
  assert.equal(lda.codeBytes, 9);
  const again = FeatureCodec.fromJSON(JSON.parse(JSON.stringify(lda.toJSON())));
  assert.deepEqual(Array.from(again.encode(testSet.x.subarray(0, 784 * 5), 5)), Array.from(lda.encode(testSet.x.subarray(0, 784 * 5), 5)));
  const pca = FeatureCodec.fit(train.x, train.n, { bytes: 256, hog, fitSamples: 2000 });
  const accLda = knnAccuracy(lda, train, testSet);
  const accPca = knnAccuracy(pca, train, testSet);
  assert.ok(accLda > 0.85, `LDA 5-NN accuracy ${accLda}`);
  assert.ok(accLda > accPca - 0.08, `LDA ${accLda} vs PCA ${accPca}`);
  assert.throws(() => FeatureCodec.fit(train.x, train.n, { reduce: 'lda', hog }), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
  assert.throws(() => FeatureCodec.fit(train.x, train.n, { reduce: 'lda', labels: train.y, dims: 12, hog }), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
});
