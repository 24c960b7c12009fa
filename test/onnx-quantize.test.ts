// Graph rewrites (dynamic int8, static QDQ, fp16) produce valid ONNX that onnxruntime-node loads and
// that computes close to the float model: checked against the fp32 session on seeded MLPs and a CNN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { GraphBuilder, attr } from '../src/onnx/builder.js';
import { readModel } from '../src/onnx/reader.js';
import { quantizeDynamic } from '../src/onnx/quantize-dynamic.js';
import { quantizeStatic, uint8Params, type TensorRange } from '../src/onnx/quantize-static.js';
import { calibrationModel } from '../src/onnx/quantize-calib.js';
import { toFp16Weights } from '../src/onnx/fp16.js';
import { paramCount } from '../src/onnx/quantize-graph.js';
import { Rng } from '../src/core/rng.js';
import { LeptonError } from '../src/core/errors.js';
import { mlpWeights, mlpModel, randomInput } from './fixtures/models.js';

async function run(bytes: Uint8Array, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, dims) });
    return out[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

/** max |a-b| relative to max |a|: quantization error scales with the output magnitude. */
function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(a[i]!));
  }
  return d / m;
}

function cnnModel(): Uint8Array {
  const rng = new Rng(5);
  const g = new GraphBuilder({ opset: 13 });
  const rnd = (n: number, s: number) => Float32Array.from({ length: n }, () => rng.normal(0, s));
  let x = g.input('x', 'float32', ['N', 1, 12, 12]);
  x = g.node('Conv', [x, g.initializer('cw', { dtype: 'float32', dims: [6, 1, 3, 3], data: rnd(54, 0.5) }), g.initializer('cb', { dtype: 'float32', dims: [6], data: rnd(6, 0.1) })], { pads: attr.ints([1, 1, 1, 1]) });
  x = g.node('Relu', [x]);
  x = g.node('MaxPool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  x = g.node('Flatten', [x], { axis: attr.int(1) });
  g.node('Gemm', [x, g.initializer('fw', { dtype: 'float32', dims: [4, 216], data: rnd(864, 0.1) }), g.initializer('fb', { dtype: 'float32', dims: [4], data: rnd(4, 0.1) })], { transB: attr.int(1) }, ['y']);
  g.output('y', 'float32', ['N', 4]);
  return g.toBytes();
}

const N = 16;
const weights = mlpWeights([64, 32, 10], 3);

for (const style of ['gemm', 'matmul'] as const) {
  test(`dynamic int8 (${style}): valid ONNX with int8 weights, ~¼ the size, outputs within 5% of fp32`, async () => {
    const fp = mlpModel(weights, { style });
    const q = quantizeDynamic(fp);
    const m = readModel(q.bytes);
    const ops = m.graph.nodes.map((n) => n.opType);
    assert.ok(ops.includes('DynamicQuantizeLinear') && ops.includes('MatMulInteger'));
    assert.equal(q.quantized.length, 2);
    const int8 = [...m.graph.initializers.values()].filter((t) => t.dtype === 'int8');
    assert.equal(int8.reduce((a, t) => a + t.data.length, 0), 64 * 32 + 32 * 10);
    assert.equal(paramCount(m), paramCount(readModel(fp)));
    assert.ok(q.bytes.length < 0.4 * fp.length, `size ${q.bytes.length} vs ${fp.length}`);
    const x = randomInput(N, 64);
    assert.ok(relErr(await run(fp, x, [N, 64]), await run(q.bytes, x, [N, 64])) < 0.05);
  });
}

test('dynamic int8 Conv: weight-only int8 by default, ConvInteger on request; both close to fp32', async () => {
  const fp = cnnModel();
  const x = randomInput(N, 144);
  const ref = await run(fp, x, [N, 1, 12, 12]);
  const w = quantizeDynamic(fp);
  const wOps = readModel(w.bytes).graph.nodes.map((n) => n.opType);
  assert.ok(wOps.includes('Conv') && wOps.includes('DequantizeLinear') && !wOps.includes('ConvInteger'));
  assert.ok(relErr(ref, await run(w.bytes, x, [N, 1, 12, 12])) < 0.05);
  const i = quantizeDynamic(fp, { conv: 'integer' });
  assert.ok(readModel(i.bytes).graph.nodes.some((n) => n.opType === 'ConvInteger'));
  assert.ok(relErr(ref, await run(i.bytes, x, [N, 1, 12, 12])) < 0.05);
  const none = quantizeDynamic(fp, { conv: 'none' });
  assert.equal(none.skipped.length, 1);
});

test('a model with nothing to quantize is a typed UNSUPPORTED error', () => {
  const g = new GraphBuilder();
  g.node('Relu', [g.input('x', 'float32', ['N', 3])], {}, ['y']);
  g.output('y', 'float32', ['N', 3]);
  assert.throws(() => quantizeDynamic(g.toBytes()), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_UNSUPPORTED');
});

/** Min-max ranges computed from ORT runs of the calibration model (what compress/calibrate does). */
async function ranges(fp: Uint8Array, x: Float32Array, dims: number[]): Promise<Record<string, TensorRange>> {
  const { bytes, tensors } = calibrationModel(fp);
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const inName = s.inputNames[0]!;
  const out = await s.run({ [inName]: new ort.Tensor('float32', x, dims) });
  const r: Record<string, TensorRange> = {};
  const span = (v: Float32Array): TensorRange => ({ min: Math.min(...v), max: Math.max(...v) });
  r[inName] = span(x);
  for (const t of tensors) r[t] = span(out[t]!.data as Float32Array);
  await s.release();
  return r;
}

for (const [label, make, dims] of [
  ['mlp', () => mlpModel(weights, { style: 'gemm' }), [N, 64]],
  ['cnn', cnnModel, [N, 1, 12, 12]],
] as const) {
  test(`static QDQ int8 (${label}): calibrated ranges → Q/DQ graph that ORT runs, outputs within 5%`, async () => {
    const fp = make();
    const x = randomInput(N, (dims as readonly number[]).slice(1).reduce((a: number, b: number) => a * b, 1));
    const r = await ranges(fp, x, [...dims]);
    assert.ok(Object.keys(r).length >= 3, 'calibration exposes the activations');
    const q = quantizeStatic(fp, { ranges: r });
    const ops = readModel(q.bytes).graph.nodes.map((n) => n.opType);
    assert.ok(ops.includes('QuantizeLinear') && ops.includes('DequantizeLinear'));
    assert.equal(q.skipped.length, 0);
    assert.ok(relErr(await run(fp, x, [...dims]), await run(q.bytes, x, [...dims])) < 0.05);
  });
}

test('static QDQ int8 folds Relu: no Q/DQ between Conv and Relu, Relu output quantized at zero point 0', async () => {
  const fp = cnnModel();
  const dims = [N, 1, 12, 12];
  const x = randomInput(N, 144);
  const r = await ranges(fp, x, dims);
  const g = readModel(quantizeStatic(fp, { ranges: r }).bytes).graph;
  const conv = g.nodes.find((n) => n.opType === 'Conv')!;
  const relu = g.nodes.find((n) => n.opType === 'Relu')!;
  assert.equal(relu.inputs[0], conv.outputs[0], 'Relu reads the Conv output directly');
  const q = g.nodes.find((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === relu.outputs[0])!;
  assert.ok(q, 'the Relu output is quantized');
  assert.equal((g.initializers.get(q.inputs[2]!)!.data as Uint8Array)[0], 0);
  // Unfolded (the previous graph): a QuantizeLinear reads the Conv output.
  const old = readModel(quantizeStatic(fp, { ranges: r, foldRelu: false }).bytes).graph;
  assert.ok(old.nodes.some((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === old.nodes.find((c) => c.opType === 'Conv')!.outputs[0]));
  const q2 = quantizeStatic(fp, { ranges: r });
  assert.ok(relErr(await run(fp, x, dims), await run(q2.bytes, x, dims)) < 0.05);
});

test('static QDQ int8 floatOps: MaxPool reads a DequantizeLinear and feeds a QuantizeLinear; outputs within 5%', async () => {
  const fp = cnnModel();
  const dims = [N, 1, 12, 12];
  const x = randomInput(N, 144);
  const r = await ranges(fp, x, dims);
  const q = quantizeStatic(fp, { ranges: r, floatOps: ['MaxPool'] });
  const g = readModel(q.bytes).graph;
  const pool = g.nodes.find((n) => n.opType === 'MaxPool')!;
  assert.equal(g.nodes.find((n) => n.outputs.includes(pool.inputs[0]!))!.opType, 'DequantizeLinear');
  assert.ok(g.nodes.some((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === pool.outputs[0]));
  assert.ok(relErr(await run(fp, x, dims), await run(q.bytes, x, dims)) < 0.05);
});

test('uint8 parameters always represent zero exactly and cover the range', () => {
  for (const r of [{ min: 0, max: 6 }, { min: -1, max: 3 }, { min: 2, max: 5 }, { min: -4, max: -1 }]) {
    const { scale, zeroPoint } = uint8Params(r);
    assert.ok(zeroPoint >= 0 && zeroPoint <= 255 && Number.isInteger(zeroPoint));
    assert.ok((0 - zeroPoint) * scale <= Math.min(0, r.min) + scale / 2);
    assert.ok((255 - zeroPoint) * scale >= Math.max(0, r.max) - scale / 2);
  }
});

test('fp16 weights: float16 initializers behind Casts, half the size, outputs within 1e-2', async () => {
  const fp = mlpModel(weights, { style: 'gemm' });
  const h = toFp16Weights(fp);
  const m = readModel(h.bytes);
  assert.ok([...m.graph.initializers.values()].some((t) => t.dtype === 'float16'));
  assert.ok(m.graph.nodes.filter((n) => n.opType === 'Cast').length >= 2);
  assert.ok(h.bytes.length < 0.6 * fp.length);
  const x = randomInput(N, 64);
  assert.ok(relErr(await run(fp, x, [N, 64]), await run(h.bytes, x, [N, 64])) < 1e-2);
});
