// A photon's optional training metrics and example inputs (issue 18): written at packaging time,
// validated like the rest of the manifest (an example must be one row of the first input), and
// gathered from files (`lep photon create --example/--metrics`) or a dataset's test split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhoton, numericMetrics } from '../src/photon/create.js';
import { validateManifest } from '../src/photon/manifest.js';
import { datasetExamples, exampleFromFile, metricsBeside } from '../src/cli/photon-examples.js';
import type { ImageDataset } from '../src/data/dataset.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';

const model = mlpModel(mlpWeights([4, 8, 3], 5));

test('examples and metrics are written into the manifest and checked', async () => {
  const { manifest } = await createPhoton({ name: 't', version: '1', model, examples: [{ name: 'one', data: [0.1, 0.2, 0.3, 0.4], label: 'a' }], metrics: { accuracy: 0.9, epochs: 3 } });
  assert.deepEqual(manifest.examples, [{ name: 'one', data: [0.1, 0.2, 0.3, 0.4], label: 'a' }]);
  assert.deepEqual(manifest.metrics, { accuracy: 0.9, epochs: 3 });
  // none given: no field at all (older readers see the manifest they know)
  const plain = (await createPhoton({ name: 't', version: '1', model })).manifest;
  assert.equal('examples' in plain, false);
  assert.equal('metrics' in plain, false);
  await assert.rejects(createPhoton({ name: 't', version: '1', model, examples: [{ name: 'short', data: [1, 2] }] }), /examples\[0\] has 2 values; the first input takes 4 per row/);
  await assert.rejects(createPhoton({ name: 't', version: '1', model, metrics: { accuracy: Number.NaN } }), /metrics must be/);
  assert.throws(() => validateManifest({ ...plain, examples: [{ name: 'x', data: ['1', 2, 3, 4] }] }), /examples\[0\] must be/);
  assert.throws(() => validateManifest({ ...plain, examples: Array.from({ length: 17 }, () => ({ name: 'x', data: [1, 2, 3, 4] })) }), /at most 16/);
  assert.deepEqual(numericMetrics({ accuracy: 0.98, dataset: 'mnist', test_loss: null, history: [1], epochs: 5 }), { accuracy: 0.98, epochs: 5 });
});

test('examples from a dataset, from files; metrics.json beside the model', async () => {
  // 4 samples of [1, 2, 2]: classes 3, 3, 1, 0 → the first of each class met, in order
  const ds: ImageDataset = { name: 'toy', x: Float32Array.from({ length: 16 }, (_, i) => i / 16), y: Int32Array.from([3, 3, 1, 0]), n: 4, shape: [1, 2, 2], numClasses: 4 } as ImageDataset;
  const ex = datasetExamples(ds, 2, ['zero', 'one', 'two', 'three']);
  assert.deepEqual(ex.map((e) => [e.name, e.label]), [['test image 0 (a three)', 'three'], ['test image 2 (a one)', 'one']]);
  assert.deepEqual(ex[1]!.data, [0.5, 0.5625, 0.625, 0.6875]);

  const dir = mkdtempSync(join(tmpdir(), 'lepton-examples-'));
  writeFileSync(join(dir, 'row.json'), '[[0.1, 0.2, 0.3, 0.4]]');
  assert.deepEqual(await exampleFromFile(join(dir, 'row.json'), undefined), { name: 'row.json', data: [0.1, 0.2, 0.3, 0.4] });
  writeFileSync(join(dir, 'bad.json'), '{"a": 1}');
  await assert.rejects(exampleFromFile(join(dir, 'bad.json'), undefined), /JSON array of numbers/);
  writeFileSync(join(dir, 'digit.png'), 'not really');
  await assert.rejects(exampleFromFile(join(dir, 'digit.png'), undefined), /needs --image/);

  assert.equal(metricsBeside(join(dir, 'model.onnx')), undefined, 'no metrics.json: none');
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ accuracy: 0.97, arch: 'mlp' }));
  assert.deepEqual(metricsBeside(join(dir, 'model.onnx')), { accuracy: 0.97 });
});
