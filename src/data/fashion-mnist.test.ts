// Fashion-MNIST loader: generated IDX files in a temp folder, missing-dataset errors, and (when
// Debian's dataset-fashion-mnist is installed) a check of the real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FASHION_MNIST_DIR, FASHION_MNIST_LABELS, loadFashionMnist } from './fashion-mnist.js';
import { encodeIdx, writeIdx } from './idx.js';
import { LeptonError } from '../core/errors.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

/** Write a tiny fake Fashion-MNIST: pixel value = (sample·7 + position) mod 256, label = sample mod 10. */
function makeFake(dir: string, nTrain: number, nTest: number, gzip = true): void {
  const write = (prefix: string, n: number): void => {
    const px = new Uint8Array(n * 784);
    for (let i = 0; i < px.length; i++) px[i] = (Math.floor(i / 784) * 7 + (i % 784)) % 256;
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const ext = gzip ? '.gz' : '';
    writeIdx(join(dir, `${prefix}-images-idx3-ubyte${ext}`), { dtype: 'ubyte', dims: [n, 28, 28], data: px }, { gzip });
    writeIdx(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), { dtype: 'ubyte', dims: [n], data: labels }, { gzip });
  };
  write('train', nTrain);
  write('t10k', nTest);
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-fmnist-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('loads generated gzipped IDX files with exact pixels and labels', () => {
  withDir((dir) => {
    makeFake(dir, 30, 12);
    const { train, test: te } = loadFashionMnist({ dir, cache: false });
    assert.equal(train.n, 30);
    assert.equal(te.n, 12);
    assert.deepEqual(train.shape, [1, 28, 28]);
    assert.equal(train.numClasses, 10);
    assert.deepEqual(train.labels, FASHION_MNIST_LABELS);
    assert.equal(train.y[13], 3);
    const i = 5 * 784 + 100;
    assert.equal(train.x[i], Math.fround(((5 * 7 + 100) % 256) / 255));
  });
});

test('plain (uncompressed) files work too', () => {
  withDir((dir) => {
    makeFake(dir, 4, 3, false);
    assert.equal(loadFashionMnist({ dir, cache: false }).test.n, 3);
  });
});

test('missing folder or file → DATASET_MISSING naming the apt package', () => {
  withDir((dir) => {
    const empty = join(dir, 'none');
    assert.throws(
      () => loadFashionMnist({ dir: empty }),
      (e) => code('LEPTON_ERR_DATASET_MISSING')(e) && /apt-get install dataset-fashion-mnist/.test((e as Error).message),
    );
    makeFake(dir, 4, 3);
    rmSync(join(dir, 't10k-labels-idx1-ubyte.gz'));
    assert.throws(
      () => loadFashionMnist({ dir }),
      (e) => code('LEPTON_ERR_DATASET_MISSING')(e) && /t10k-labels/.test((e as Error).message),
    );
  });
});

test('inconsistent files → CORRUPT_FILE naming the file', () => {
  withDir((dir) => {
    makeFake(dir, 4, 3);
    const labels = join(dir, 'train-labels-idx1-ubyte.gz');
    writeIdx(labels, { dtype: 'ubyte', dims: [5], data: new Uint8Array(5) }, { gzip: true });
    const load = (): unknown => loadFashionMnist({ dir, cache: false });
    const corrupt = (re: RegExp) => (e: unknown) => code('LEPTON_ERR_CORRUPT_FILE')(e) && re.test((e as Error).message);
    assert.throws(load, corrupt(/train-labels/));
    writeIdx(labels, { dtype: 'ubyte', dims: [4], data: Uint8Array.from([0, 1, 2, 10]) }, { gzip: true });
    assert.throws(load, corrupt(/label 10/));
    writeIdx(labels, { dtype: 'int', dims: [4], data: new Int32Array(4) }, { gzip: true });
    assert.throws(load, corrupt(/ubyte label array/));
    const bytes = encodeIdx({ dtype: 'ubyte', dims: [4, 28, 28], data: new Uint8Array(4 * 784) });
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), bytes.subarray(0, 1000));
    assert.throws(load, corrupt(/train-images/));
  });
});

const installed = existsSync(FASHION_MNIST_DIR);
test('the installed Debian dataset has 60k/10k balanced samples', { skip: !installed && 'dataset-fashion-mnist absent' }, () => {
  const { train, test: te } = loadFashionMnist();
  assert.equal(train.n, 60000);
  assert.equal(te.n, 10000);
  const counts = new Array(10).fill(0);
  for (const c of te.y) counts[c] += 1;
  assert.deepEqual(counts, new Array(10).fill(1000));
  assert.ok(loadFashionMnist() === loadFashionMnist(), 'cached per process');
});
