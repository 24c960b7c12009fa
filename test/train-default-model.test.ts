// The default model `lep up` serves: its cache is keyed by the training settings (dataset included),
// so a `mnist` photon left by an older release (trained on the 10k set) is not served as the new
// one, and a second start reuses the cached model and photon instead of training or adding again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhoton } from '../src/photon/create.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import { DEFAULT_TRAINING, defaultModelKey, ensureDefaultPhoton } from '../src/cli/default-photon.js';
import { runTrainJob } from '../src/cli/train-job.js';

/** A small real model (one epoch on 256 mnist-small digits), so the test never trains for a minute. */
const tinyModel = (outDir: string) =>
  runTrainJob({ dataset: 'mnist-small', arch: 'mlp', epochs: 1, batchSize: 32, limitTrain: 256, limitTest: 64, outDir }).files.onnx;

test('an older mnist photon is not reused; the keyed cache is, on the next start', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lep-default-'));
  try {
    const config = { home, logLevel: 'silent' };
    const registry = new PhotonRegistry({ home });
    // What an older release left: mnist@1 from its own data and settings.
    const { archive } = await createPhoton({
      name: 'mnist', version: '1', model: readFileSync(tinyModel(join(home, 'models', 'mnist-mlp'))),
      labels: Array.from({ length: 10 }, (_, i) => String(i)), image: { width: 28, height: 28, channels: 1, normalize: 'unit' },
    });
    await registry.add(archive);
    // This release's cache folder, pre-filled with a model so ensureDefaultPhoton packages it without training.
    tinyModel(join(home, 'models', `mnist-mlp-${defaultModelKey()}`));

    const first = await ensureDefaultPhoton(config);
    assert.deepEqual(first, { name: 'mnist', version: '2' }, 'the current settings get their own version');
    const again = await ensureDefaultPhoton(config);
    assert.deepEqual(again, first, 'a second start reuses the packaged photon');
    assert.deepEqual(registry.list().find((p) => p.name === 'mnist')?.versions.map((v) => v.version), ['1', '2']);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the cache key changes with the dataset and every other training setting', () => {
  const base = defaultModelKey();
  assert.equal(DEFAULT_TRAINING.dataset, 'mnist', 'the default model is trained on the real MNIST');
  assert.match(base, /^[0-9a-f]{12}$/);
  assert.equal(defaultModelKey({ ...DEFAULT_TRAINING }), base);
  for (const change of [{ dataset: 'mnist-small' }, { epochs: 30 }, { augment: true }, { lr: 3e-3 }, { seed: 1 }]) {
    assert.notEqual(defaultModelKey({ ...DEFAULT_TRAINING, ...change }), base, JSON.stringify(change));
  }
});
