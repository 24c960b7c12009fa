// Batch loader and dataset helpers: each epoch visits every sample once, seeded order, exact gathers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batches, numBatches } from './loader.js';
import { subset, take, validateImageDataset, type ImageDataset } from './dataset.js';
import { Rng } from '../core/rng.js';
import { LeptonError } from '../core/errors.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

/** n samples of shape [1, 2, 3]; sample i holds the values i + k/10, label i mod 3. */
function toy(n: number): ImageDataset {
  const d = 6;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) x[i * d + k] = i + k / 10;
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  return { name: 'toy', x, y, n, shape: [1, 2, 3], numClasses: 3, labels: ['a', 'b', 'c'] };
}

function epochIndices(ds: ImageDataset, bs: number, opts: Parameters<typeof batches>[2]): number[] {
  const seen: number[] = [];
  for (const b of batches(ds, bs, opts)) {
    for (let j = 0; j < b.size; j++) {
      const i = b.indices[j] as number;
      seen.push(i);
      assert.equal(b.y[j], ds.y[i]);
      assert.deepEqual(b.x.subarray(j * 6, j * 6 + 6), ds.x.subarray(i * 6, i * 6 + 6));
    }
  }
  return seen;
}

test('each epoch covers every index exactly once, with correct x/y gathers', () => {
  const ds = toy(103);
  for (const reuseBuffers of [false, true]) {
    const seen = epochIndices(ds, 10, { seed: 3, reuseBuffers });
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 103 }, (_, i) => i));
    assert.notDeepEqual(seen, Array.from({ length: 103 }, (_, i) => i), 'shuffled');
  }
  const sizes = [...batches(ds, 10)].map((b) => b.size);
  assert.equal(sizes.length, numBatches(103, 10));
  assert.equal(sizes.at(-1), 3);
});

test('seeded: same seed same order; a shared Rng gives a new order each epoch', () => {
  const ds = toy(50);
  assert.deepEqual(epochIndices(ds, 8, { seed: 1 }), epochIndices(ds, 8, { seed: 1 }));
  assert.notDeepEqual(epochIndices(ds, 8, { seed: 1 }), epochIndices(ds, 8, { seed: 2 }));
  const rng = new Rng(9);
  const e1 = epochIndices(ds, 8, { rng });
  const e2 = epochIndices(ds, 8, { rng });
  assert.notDeepEqual(e1, e2);
  assert.deepEqual(e1, epochIndices(ds, 8, { rng: new Rng(9) }));
});

test('no shuffle keeps order; dropLast drops the partial batch', () => {
  const ds = toy(25);
  assert.deepEqual(epochIndices(ds, 10, { shuffle: false }), Array.from({ length: 25 }, (_, i) => i));
  const bs = [...batches(ds, 10, { dropLast: true })];
  assert.equal(bs.length, 2);
  assert.ok(bs.every((b) => b.size === 10 && b.x.length === 60));
  assert.throws(() => batches(ds, 0).next(), code('LEPTON_ERR_INVALID_ARGUMENT'));
});

test('subset copies in order, take shares, validate catches bad labels', () => {
  const ds = toy(10);
  const s = subset(ds, [7, 2]);
  assert.equal(s.n, 2);
  assert.deepEqual(Array.from(s.y), [1, 2]);
  assert.equal(s.x[0], 7);
  s.x[0] = -1;
  assert.equal(ds.x[42], 7, 'subset is a copy');
  assert.throws(() => subset(ds, [10]), code('LEPTON_ERR_INVALID_ARGUMENT'));
  const t = take(ds, 4);
  assert.equal(t.n, 4);
  assert.equal(t.x.length, 24);
  assert.equal(take(ds, 99).n, 10);
  validateImageDataset(t);
  assert.throws(() => validateImageDataset({ ...ds, y: Int32Array.from(ds.y, () => 5) }), code('LEPTON_ERR_CORRUPT_FILE'));
  assert.throws(() => validateImageDataset({ ...ds, n: 11 }), code('LEPTON_ERR_CORRUPT_FILE'));
});
