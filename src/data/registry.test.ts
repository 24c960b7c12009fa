// Dataset registry: names resolve to loaders, limits apply, unknown names list the valid ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_NAMES, isDatasetName, loadDataset } from './registry.js';
import { LeptonError } from '../core/errors.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

test('mnist and mnist-small by name, with limits', () => {
  const s = loadDataset('mnist', { limitTrain: 100, limitTest: 50 });
  assert.equal(s.train.n, 100);
  assert.equal(s.test.n, 50);
  assert.equal(s.train.x.length, 100 * 784);
  assert.equal(loadDataset('mnist').train.n, 60000);
  assert.equal(loadDataset('mnist').test.n, 10000);
  assert.equal(loadDataset('mnist-small').train.n, 8000);
  assert.equal(loadDataset('mnist-small', { testSize: 1000 }).test.n, 1000);
});

test('fashion-mnist by name honours dir (missing → DATASET_MISSING)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-reg-'));
  try {
    assert.throws(() => loadDataset('fashion-mnist', { dir }), code('LEPTON_ERR_DATASET_MISSING'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unknown names and bad limits are INVALID_ARGUMENT', () => {
  assert.throws(
    () => loadDataset('cifar10'),
    (e) => code('LEPTON_ERR_INVALID_ARGUMENT')(e) && /valid names: mnist, mnist-small, fashion-mnist/.test((e as Error).message),
  );
  assert.throws(() => loadDataset('mnist', { limitTrain: 0 }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  assert.ok(DATASET_NAMES.every(isDatasetName));
  assert.equal(isDatasetName('MNIST'), false);
});
