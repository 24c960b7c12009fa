// Magnitude pruning reaches the requested sparsity by zeroing the smallest weights; structured
// pruning really removes units (the weight shapes shrink, the next layer loses matching inputs) and
// the pruned graph still loads and runs in onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr } from '../src/onnx/builder.js';
import { readModel } from '../src/onnx/reader.js';
import { pruneMagnitude, weightSparsity } from '../src/onnx/prune.js';
import { pruneStructured } from '../src/onnx/prune-structured.js';
import { LeptonError } from '../src/core/errors.js';
import { Rng } from '../src/core/rng.js';
import { mlpWeights, mlpModel, randomInput } from './fixtures/models.js';

async function outputDims(bytes: Uint8Array, dims: number[]): Promise<readonly number[]> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const x = randomInput(dims.reduce((a, b) => a * b, 1), 1);
  const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, dims) });
  await s.release();
  return out[s.outputNames[0]!]!.dims;
}

const weights = mlpWeights([64, 40, 20, 10], 9);

for (const sparsity of [0.3, 0.5, 0.9]) {
  test(`magnitude pruning to ${sparsity} zeroes exactly the smallest weights of each layer`, async () => {
    const fp = mlpModel(weights, { style: 'gemm' });
    const r = pruneMagnitude(fp, sparsity);
    assert.ok(Math.abs(r.sparsity - sparsity) < 0.01, `sparsity ${r.sparsity}`);
    assert.ok(Math.abs(weightSparsity(r.bytes) - sparsity) < 0.01);
    const before = readModel(fp).graph.initializers;
    for (const [name, t] of readModel(r.bytes).graph.initializers) {
      if (t.dims.length !== 2) continue;
      const orig = before.get(name)!.data as Float32Array;
      const w = t.data as Float32Array;
      let maxPruned = 0;
      let minKept = Infinity;
      w.forEach((v, i) => (v === 0 ? (maxPruned = Math.max(maxPruned, Math.abs(orig[i]!))) : (minKept = Math.min(minKept, Math.abs(v)))));
      assert.ok(maxPruned <= minKept, `${name}: a pruned weight ${maxPruned} is larger than a kept one ${minKept}`);
      assert.equal(r.masks.get(name)!.reduce((a, b) => a + b, 0), w.filter((v) => v !== 0).length);
    }
    assert.deepEqual(await outputDims(r.bytes, [3, 64]), [3, 10]);
  });
}

test('structured pruning shrinks hidden layers and the next layer inputs (Gemm and MatMul+Add styles)', async () => {
  for (const style of ['gemm', 'matmul'] as const) {
    const r = pruneStructured(mlpModel(weights, { style }), 0.5);
    assert.deepEqual(r.layers.map((l) => [l.before, l.after]), [[40, 20], [20, 10]]);
    const inits = readModel(r.bytes).graph.initializers;
    const dims = (n: string) => inits.get(n)!.dims;
    if (style === 'gemm') {
      assert.deepEqual([dims('w0'), dims('w1'), dims('w2')], [[20, 64], [10, 20], [10, 10]]);
    } else {
      assert.deepEqual([dims('w0'), dims('w1'), dims('w2')], [[64, 20], [20, 10], [10, 10]]);
    }
    assert.deepEqual([dims('b0'), dims('b1'), dims('b2')], [[20], [10], [10]]);
    assert.deepEqual(await outputDims(r.bytes, [2, 64]), [2, 10]);
  }
});

test('structured pruning keeps the units with the largest weight norms', () => {
  const w = mlpWeights([4, 4, 2], 1);
  // Unit 2 of the hidden layer gets a large norm, unit 0 a tiny one.
  for (let i = 0; i < 4; i++) {
    w.layers[0]!.w[i * 4 + 2] = 10;
    w.layers[0]!.w[i * 4 + 0] = 1e-3;
  }
  const r = pruneStructured(mlpModel(w, { style: 'matmul' }), 0.75);
  const w0 = readModel(r.bytes).graph.initializers.get('w0')!;
  assert.deepEqual(w0.dims, [4, 1]);
  assert.deepEqual(Array.from(w0.data as Float32Array), [10, 10, 10, 10]);
});

test('structured pruning of a CNN removes conv channels and the matching Flatten blocks of the Gemm', async () => {
  const rng = new Rng(2);
  const rnd = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 0.3));
  const g = new GraphBuilder({ opset: 13 });
  let x = g.input('x', 'float32', ['N', 1, 8, 8]);
  x = g.node('Conv', [x, g.initializer('c0w', { dtype: 'float32', dims: [8, 1, 3, 3], data: rnd(72) }), g.initializer('c0b', { dtype: 'float32', dims: [8], data: rnd(8) })], { pads: attr.ints([1, 1, 1, 1]) });
  x = g.node('Relu', [x]);
  x = g.node('Conv', [x, g.initializer('c1w', { dtype: 'float32', dims: [6, 8, 3, 3], data: rnd(432) }), g.initializer('c1b', { dtype: 'float32', dims: [6], data: rnd(6) })], { pads: attr.ints([1, 1, 1, 1]) });
  x = g.node('Relu', [x]);
  x = g.node('MaxPool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  x = g.node('Flatten', [x], { axis: attr.int(1) });
  g.node('Gemm', [x, g.initializer('fw', { dtype: 'float32', dims: [3, 96], data: rnd(288) }), g.initializer('fb', { dtype: 'float32', dims: [3], data: rnd(3) })], { transB: attr.int(1) }, ['y']);
  g.output('y', 'float32', ['N', 3]);
  const r = pruneStructured(g.toBytes(), 0.5);
  const inits = readModel(r.bytes).graph.initializers;
  assert.deepEqual(inits.get('c0w')!.dims, [4, 1, 3, 3]);
  assert.deepEqual(inits.get('c1w')!.dims, [3, 4, 3, 3]);
  assert.deepEqual(inits.get('fw')!.dims, [3, 48]);
  assert.deepEqual(await outputDims(r.bytes, [2, 1, 8, 8]), [2, 3]);
});

test('bad ratios are INVALID_ARGUMENT', () => {
  const fp = mlpModel(weights);
  for (const bad of [-0.1, 1, 1.5, NaN]) {
    assert.throws(() => pruneMagnitude(fp, bad), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT');
    if (bad !== -0.1) assert.throws(() => pruneStructured(fp, bad), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT');
  }
});
