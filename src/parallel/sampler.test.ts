// The distributed sampler: W ranks' local batches together are exactly one process's global batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ImageDataset } from '../data/index.js';
import { localBatchSize, shardBatches, shardIndices, shardedBatches } from './sampler.js';

function tiny(n: number): ImageDataset {
  // Sample i holds the value i, so a batch shows which samples it took.
  return { name: 't', x: Float32Array.from({ length: n }, (_, i) => i), y: new Int32Array(n), n, shape: [1, 1, 1], numClasses: 1, labels: ['a'] };
}

test('the ranks of one global batch together hold exactly the single-process global batch', () => {
  const ds = tiny(96);
  for (const W of [2, 3, 4]) {
    const one = [...shardedBatches(ds, 12, 3, { worldSize: 1, rank: 0, seed: 5 })].map((b) => [...b.x].sort((a, b) => a - b));
    const per = Array.from({ length: W }, (_, rank) => [...shardedBatches(ds, 12, 3, { worldSize: W, rank, seed: 5 })].map((b) => [...b.x]));
    assert.equal(per[0]!.length, one.length);
    one.forEach((global, k) => assert.deepEqual(per.flatMap((r) => r[k]!).sort((a, b) => a - b), global, `W=${W} batch ${k}`));
  }
});

test('every epoch is a new order, the same on every rank, and shards are disjoint and equal', () => {
  const a = shardIndices(100, 1, { worldSize: 1, rank: 0, seed: 1 });
  const b = shardIndices(100, 2, { worldSize: 1, rank: 0, seed: 1 });
  assert.notDeepEqual([...a], [...b]);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  const s0 = shardIndices(100, 4, { worldSize: 2, rank: 0, seed: 1 });
  const s1 = shardIndices(100, 4, { worldSize: 2, rank: 1, seed: 1 });
  assert.equal(s0.length, s1.length);
  assert.deepEqual([...s0, ...s1].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
});

test('an uneven dataset is padded by wrapping, so every rank runs the same number of equal batches', () => {
  const sizes = [0, 1, 2].map((rank) => [...shardedBatches(tiny(10), 6, 1, { worldSize: 3, rank, seed: 0 })].map((b) => b.size));
  assert.deepEqual(sizes, [[2, 2], [2, 2], [2, 2]]); // ceil(10 / 3) = 4 samples each, 2 per batch
  assert.equal(shardBatches(10, 6, 3), 2);
  assert.throws(() => localBatchSize(10, 3), /multiple of the number of ranks/);
});
