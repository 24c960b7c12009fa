// One op table serves inference and training: a graph run by the native engine (no grad) and by
// GraphProgram (compress fine-tuning, with grad) gives bit-identical outputs for Gemm, Conv, the
// pools and BatchNormalization, both agree with onnxruntime, gradients flow through every entry,
// and a new entry works in both paths at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Rng } from '../src/core/rng.js';
import { LeptonError } from '../src/core/errors.js';
import { GraphBuilder, attr } from '../src/onnx/builder.js';
import { nativeEngine } from '../src/runtime/native-engine.js';
import { GraphProgram } from '../src/compress/graph-program.js';
import { Tensor, gradCheck, noGrad, mul, scale, sum } from '../src/tensor/index.js';
import { quantizeDynamic } from '../src/onnx/quantize-dynamic.js';
import { maxAbsDiff } from './fixtures/models.js';
import { OP_TABLE, f32, type OpEntry } from '../src/onnx/ops/op-table.js';

const rng = new Rng(11);
const rand = (n: number, std = 0.5): Float32Array => Float32Array.from({ length: n }, () => rng.normal(0, std));

/**
 * x [N,2,7,7] → Conv 3×3 pad 1 → BatchNorm → Relu → AveragePool 3×3 stride 2 pad 1 (ONNX: pads
 * not counted) → MaxPool 2×2 (ONNX default stride 1) → Flatten → Gemm transB → Gemm alpha/beta.
 */
function cnnGraph(): Uint8Array {
  const g = new GraphBuilder({ graphName: 'op-table-cnn', opset: 13 });
  const f = (name: string, dims: number[], data: Float32Array): string => g.initializer(name, { dtype: 'float32', dims, data });
  let x = g.input('x', 'float32', ['N', 2, 7, 7]);
  x = g.node('Conv', [x, f('cw', [3, 2, 3, 3], rand(54)), f('cb', [3], rand(3))], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) });
  x = g.node('BatchNormalization', [x, f('bn_s', [3], Float32Array.of(1.2, 0.8, 1)), f('bn_b', [3], rand(3)), f('bn_m', [3], rand(3, 0.1)), f('bn_v', [3], Float32Array.of(0.5, 1, 2))]);
  x = g.node('Relu', [x]);
  x = g.node('AveragePool', [x], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }); // [N,3,4,4]
  x = g.node('MaxPool', [x], { kernel_shape: attr.ints([2, 2]) }); // [N,3,3,3]
  x = g.node('Flatten', [x], { axis: attr.int(1) });
  x = g.node('Gemm', [x, f('w1', [6, 27], rand(162, 0.3)), f('b1', [6], rand(6))], { transB: attr.int(1) });
  g.node('Gemm', [x, f('w2', [6, 4], rand(24)), f('b2', [1, 4], rand(4))], { alpha: attr.float(0.5), beta: attr.float(2) }, ['y']);
  g.output('y', 'float32', ['N', 4]);
  return g.toBytes();
}

async function ortRun(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  try {
    return (await s.run({ x: new ort.Tensor('float32', x, dims) }))['y']!.data as Float32Array;
  } finally {
    await s.release();
  }
}

test('the native engine and graph training compute the same outputs, bit for bit, and match onnxruntime', async () => {
  const bytes = cnnGraph();
  const dims = [3, 2, 7, 7];
  const x = rand(3 * 2 * 49, 1);
  const s = await nativeEngine.load(bytes);
  const inference = (await s.run({ x: { data: x, dims } }))['y']!;
  await s.close();
  const program = new GraphProgram(bytes);
  const training = program.forward(new Tensor(x, dims));
  assert.ok(training.requiresGrad, 'the training path records the tape');
  assert.deepEqual(inference.dims, [3, 4]);
  assert.deepEqual([...training.shape], [3, 4]);
  assert.deepEqual(Array.from(training.data), Array.from(inference.data));
  assert.ok(maxAbsDiff(inference.data, await ortRun(bytes, x, dims)) < 1e-4);
});

test('gradients flow through every entry of the graph to all declared weights', () => {
  const program = new GraphProgram(cnnGraph());
  assert.deepEqual([...program.params.keys()].sort(), ['b1', 'b2', 'bn_b', 'bn_s', 'cb', 'cw', 'w1', 'w2']);
  const x = new Tensor(rand(2 * 2 * 49, 1), [2, 2, 7, 7]);
  const probe = new Tensor(rand(8), [2, 4]);
  const params = [...program.params.values()];
  // eps small enough to stay clear of the Relu/MaxPool kinks, large enough for float32.
  const { maxRelErr } = gradCheck(() => sum(mul(program.forward(x), probe)), params, 3e-3);
  assert.ok(maxRelErr < 2e-2, `finite differences disagree: ${maxRelErr}`);
});

test('training refuses to run through an op that passes no gradient; evaluation runs it', async () => {
  const g = new GraphBuilder({ opset: 13 });
  g.input('x', 'float32', ['N', 8]);
  g.node('Gemm', ['x', g.initializer('w', { dtype: 'float32', dims: [8, 5], data: rand(40) })], {}, ['y']);
  g.output('y', 'float32', ['N', 5]);
  const q = quantizeDynamic(g.toBytes()).bytes; // DynamicQuantizeLinear → MatMulInteger → …
  const x = rand(16, 1);
  const program = new GraphProgram(q);
  const engine = await nativeEngine.load(q);
  const want = (await engine.run({ x: { data: x, dims: [2, 8] } }))['y']!.data;
  await engine.close();
  assert.deepEqual(Array.from(noGrad(() => program.forward(new Tensor(x, [2, 8]))).data), Array.from(want));
  const input = new Tensor(x, [2, 8], true);
  assert.throws(() => program.forward(input), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_UNSUPPORTED' && /DynamicQuantizeLinear.*passes no gradient/.test(e.message));
});

test('a malformed attribute is refused by both paths with the same typed error', async () => {
  const g = new GraphBuilder({ opset: 13 });
  g.input('x', 'float32', ['N', 3]);
  g.node('Relu', [g.node('Softmax', ['x'], { axis: attr.float(1) })], {}, ['y']);
  g.output('y', 'float32', ['N', 3]);
  const bytes = g.toBytes();
  const s = await nativeEngine.load(bytes);
  const bad = (e: unknown): boolean => e instanceof LeptonError && e.code === 'LEPTON_ERR_CORRUPT_FILE' && e.message.includes("'axis'");
  try {
    await assert.rejects(s.run({ x: { data: new Float32Array(3), dims: [1, 3] } }), bad);
  } finally {
    await s.close();
  }
  assert.throws(() => new GraphProgram(bytes).forward(new Tensor(new Float32Array(3), [1, 3])), bad);
});

test('a new entry in the table is picked up by both paths, with no other change', async () => {
  let calls = 0;
  const Triple: OpEntry = { opType: 'TripleForTest', differentiable: true, run: (i) => (calls++, [f32(scale(i[0]!.t, 3))]) };
  const g = new GraphBuilder({ opset: 13 });
  g.input('x', 'float32', ['N', 2]);
  g.node('Relu', [g.node('TripleForTest', ['x'])], {}, ['y']);
  g.output('y', 'float32', ['N', 2]);
  const bytes = g.toBytes();
  await assert.rejects(nativeEngine.load(bytes), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_UNSUPPORTED');
  const table = OP_TABLE as Map<string, OpEntry>; // the table is read-only to library code; the test adds and removes one entry
  table.set('TripleForTest', Triple);
  try {
    const s = await nativeEngine.load(bytes);
    const out = (await s.run({ x: { data: Float32Array.of(1, -2), dims: [1, 2] } }))['y']!.data;
    await s.close();
    const x = new Tensor(Float32Array.of(1, -2), [1, 2], true);
    const y = new GraphProgram(bytes).forward(x);
    sum(y).backward();
    assert.deepEqual(Array.from(out), [3, 0]);
    assert.deepEqual(Array.from(y.data), [3, 0]);
    assert.deepEqual(Array.from(x.grad!), [3, 0]);
    assert.equal(calls, 2);
  } finally {
    table.delete('TripleForTest');
  }
});
