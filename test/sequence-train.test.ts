// `lep train --arch lstm|gru|rnn`: row-sequential image classification through the same training job as
// mlp/cnn, writing the same three outputs; the ONNX (RNN/LSTM/GRU nodes behind Transposes) gives the saved
// model's logits on onnxruntime and the native engine, and a photon takes 28×28 images for its [N, 28, 28] input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { Tensor, noGrad } from '../src/tensor/index.js';
import { loadCheckpoint, modelFromCheckpoint } from '../src/nn/index.js';
import { readModel } from '../src/onnx/reader.js';
import { runTrainJob } from '../src/cli/train-job.js';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { nativeEngine } from '../src/runtime/native-engine.js';
import { createPhoton } from '../src/photon/create.js';

for (const [arch, op] of [['lstm', 'LSTM'], ['gru', 'GRU'], ['rnn', 'RNN']] as const) {
  test(`${arch}: trains on row-sequential digits and writes ONNX, safetensors and metrics that agree`, async () => {
    const dir = mkdtempSync(join(tmpdir(), `lep-train-${arch}-`));
    try {
      const { metrics, files } = runTrainJob({ dataset: 'mnist-small', arch, hidden: 16, layers: 2, epochs: 2, batchSize: 32, lr: 1e-2, limitTrain: 960, limitTest: 200, outDir: dir });
      assert.equal(metrics.arch, arch);
      assert.ok(metrics.accuracy > 0.2, `accuracy ${metrics.accuracy} after 60 steps beats chance`);
      const { model, arch: saved } = modelFromCheckpoint(loadCheckpoint(files.safetensors));
      assert.deepEqual(saved.inputShape, [28, 28]);
      model.eval();
      const bytes = readFileSync(files.onnx);
      assert.equal(readModel(bytes).graph.nodes.filter((n) => n.opType === op).length, 2, 'one node per stacked layer');
      const x = Tensor.uniform([3, 28, 28], new Rng(4), 0, 1);
      const ours = noGrad(() => model.forward(x));
      for (const engine of [ortEngine, nativeEngine]) {
        const s = await engine.load(bytes);
        try {
          const out = (await s.run({ input: { data: x.data, dims: [3, 28, 28] } }))['logits']!;
          assert.deepEqual(out.dims, [3, 10]);
          out.data.forEach((v, i) => assert.ok(Math.abs(v - ours.data[i]!) < 1e-4, `${engine.name} [${i}]`));
        } finally {
          await s.close();
        }
      }
      const { manifest } = await createPhoton({ name: `digits-${arch}`, version: '1', model: bytes, image: { width: 28, height: 28, channels: 1 } });
      assert.deepEqual(manifest.inputs[0]!.shape, ['N', 28, 28]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
