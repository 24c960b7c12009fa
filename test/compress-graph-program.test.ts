// GraphProgram (the trainable view of an ONNX graph used for fine-tuning and distillation) computes
// what onnxruntime computes, for MLPs in both export styles and a CNN student, and writes trained
// weights back into a graph ORT still loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Tensor } from '../src/tensor/index.js';
import { GraphProgram, buildStudent, parseStudent, distillationLoss } from '../src/compress/index.js';
import { LeptonError } from '../src/core/errors.js';
import { mlpWeights, mlpModel, randomInput, maxAbsDiff } from './fixtures/models.js';

async function ortRun(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, dims) });
  await s.release();
  return out[s.outputNames[0]!]!.data as Float32Array;
}

test('forward matches onnxruntime on Gemm and MatMul+Add MLPs', async () => {
  const w = mlpWeights([20, 12, 5], 4);
  for (const style of ['gemm', 'matmul'] as const) {
    const bytes = mlpModel(w, { style });
    const x = randomInput(6, 20);
    const mine = new GraphProgram(bytes).forward(new Tensor(x, [6, 20])).data;
    assert.ok(maxAbsDiff(mine, await ortRun(bytes, x, [6, 20])) < 1e-4, style);
  }
});

test('forward matches onnxruntime on a CNN student, before and after a training step', async () => {
  const bytes = buildStudent(parseStudent('cnn-4-6'), { name: 'x', shape: ['N', 1, 12, 12], sample: [1, 12, 12], classes: 3, outputName: 'y' });
  const p = new GraphProgram(bytes);
  const x = randomInput(4, 144);
  const out = p.forward(new Tensor(x, [4, 1, 12, 12]));
  assert.ok(maxAbsDiff(out.data, await ortRun(bytes, x, [4, 1, 12, 12])) < 1e-4);
  // One gradient step changes the parameters; the written graph reflects them.
  const loss = distillationLoss(out, null, Int32Array.of(0, 1, 2, 0), { temperature: 1, alpha: 0 });
  loss.backward();
  for (const t of p.params.values()) if (t.grad) for (let i = 0; i < t.size; i++) t.data[i]! -= 0.5 * t.grad[i]!;
  const trained = p.toBytes();
  const after = p.forward(new Tensor(x, [4, 1, 12, 12])).data;
  assert.ok(maxAbsDiff(after, await ortRun(trained, x, [4, 1, 12, 12])) < 1e-4);
  assert.ok(maxAbsDiff(after, out.data) > 1e-3, 'the step changed the outputs');
});

test('unsupported ops are a typed error', () => {
  const bytes = mlpModel(mlpWeights([4, 3], 1), { style: 'gemm', softmax: false });
  const p = new GraphProgram(bytes);
  p.spec.nodes[0]!.opType = 'Einsum';
  assert.throws(() => p.forward(new Tensor(new Float32Array(4), [1, 4])), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_UNSUPPORTED');
});
