// ONNX export: onnxruntime-node loads the exported graphs and agrees with our forward pass to 1e-4
// on real mnist test images, for an MLP and for a CNN using every exportable layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Rng } from '../core/rng.js';
import { Tensor, noGrad } from '../tensor/index.js';
import { loadDataset } from '../data/index.js';
import {
  Sequential, Conv2d, BatchNorm2d, ReLU, MaxPool2d, AvgPool2d, Tanh, Flatten, Dropout, Linear, BatchNorm1d, Sigmoid, Softmax,
  buildModule, namedArch, type Module,
} from '../nn/index.js';
import { exportOnnx } from './export.js';
import { readModel } from './reader.js';

const { test: testSet } = loadDataset('mnist-small', { limitTest: 64 });
const N = testSet.n;

async function compare(model: Module, inputShape: number[]): Promise<number> {
  model.eval();
  const ours = noGrad(() => model.forward(new Tensor(testSet.x, [N, ...inputShape])));
  const session = await ort.InferenceSession.create(exportOnnx(model, { inputShape }));
  try {
    assert.deepEqual(session.inputNames, ['input']);
    assert.deepEqual(session.outputNames, ['logits']);
    const res = await session.run({ input: new ort.Tensor('float32', testSet.x, [N, ...inputShape]) });
    const theirs = res['logits']!;
    assert.deepEqual(theirs.dims, ours.shape);
    let worst = 0;
    const d = theirs.data as Float32Array;
    for (let i = 0; i < d.length; i++) worst = Math.max(worst, Math.abs(d[i]! - ours.data[i]!));
    return worst;
  } finally {
    await session.release();
  }
}

test('exported MLP matches our engine in onnxruntime on mnist test images', async () => {
  const arch = namedArch('mlp');
  const model = buildModule(arch.model, { rng: new Rng(1) });
  const bytes = exportOnnx(model, { inputShape: arch.inputShape });
  const m = readModel(bytes);
  assert.ok((m.opsets[''] ?? 0) >= 13);
  assert.deepEqual(m.graph.inputs[0]!.shape, ['N', 784]);
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Gemm', 'Relu', 'Gemm']);
  assert.ok((await compare(model, arch.inputShape)) < 1e-4);
});

test('a CNN with every exportable layer matches in onnxruntime (BN stats, avg-pool padding, dropout→Identity)', async () => {
  const rng = new Rng(2);
  const model = new Sequential(
    new Conv2d(1, 4, 3, { padding: 1, rng }),
    new BatchNorm2d(4),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(4, 6, 3, { stride: 2, rng }),
    new AvgPool2d(3, 2, 1),
    new Tanh(),
    new Flatten(),
    new Dropout(0.3, rng),
    new Linear(6 * 3 * 3, 16, { rng }),
    new BatchNorm1d(16),
    new Sigmoid(),
    new Linear(16, 10, { rng }),
    new Softmax(),
  );
  // Train-mode passes move the running stats away from their 0/1 defaults.
  model.train();
  for (let i = 0; i < 3; i++) noGrad(() => model.forward(new Tensor(testSet.x.subarray(i * 16 * 784, (i + 1) * 16 * 784), [16, 1, 28, 28])));
  const bytes = exportOnnx(model, { inputShape: [1, 28, 28] });
  const ops = readModel(bytes).graph.nodes.map((n) => n.opType);
  assert.ok(ops.includes('AveragePool') && ops.includes('BatchNormalization') && ops.includes('Identity'));
  assert.ok((await compare(model, [1, 28, 28])) < 1e-4);
  assert.ok((await compare(buildModule(namedArch('cnn').model, { rng }), [1, 28, 28])) < 1e-4);
});

test('export refuses what it cannot express', () => {
  assert.throws(() => exportOnnx(new Sequential(new Linear(4, 2)), { inputShape: [4], opset: 11 }), /opset/);
  assert.throws(() => exportOnnx(new Sequential(new Linear(4, 2)), { inputShape: [1, 2, 2] }), /flatten/);
});
