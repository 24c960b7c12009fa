// Sequence models through ONNX: our RNN/LSTM/GRU/Embedding models export to the ONNX operators of the
// same names, and onnxruntime, the native engine and our own forward pass agree to 1e-4; the native
// engine also runs layout=1 (which onnxruntime refuses), refuses what it cannot compute by name, and
// trains recurrent graphs through the op table; PyTorch-named safetensors load into the layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { LeptonError } from '../src/core/errors.js';
import { Tensor, noGrad, sum, mul } from '../src/tensor/index.js';
import { LSTM, buildModule, encodeSafetensors, parseCheckpoint, type LayerSpec, type Module } from '../src/nn/index.js';
import { exportOnnx } from '../src/onnx/export.js';
import { readModel } from '../src/onnx/reader.js';
import { GraphBuilder, attr } from '../src/onnx/builder.js';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { nativeEngine } from '../src/runtime/native-engine.js';
import { GraphProgram } from '../src/compress/graph-program.js';
import { type Engine, type EngineTensor } from '../src/runtime/engine.js';

async function runEngine(engine: Engine, bytes: Uint8Array, feed: Record<string, EngineTensor>): Promise<Record<string, EngineTensor>> {
  const s = await engine.load(bytes);
  try {
    return await s.run(feed);
  } finally {
    await s.close();
  }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const classifier = (cell: 'rnn' | 'lstm' | 'gru', extra: Record<string, unknown>): LayerSpec =>
  ({
    type: 'sequential',
    layers: [
      { type: cell, inputSize: 5, hiddenSize: 6, batchFirst: true, ...extra },
      { type: 'last_step' },
      { type: 'linear', inFeatures: 6 * (extra['bidirectional'] ? 2 : 1), outFeatures: 3 },
    ],
  }) as LayerSpec;

const CASES: Array<[string, LayerSpec, number[]]> = [
  ['lstm 2 layers bidirectional', classifier('lstm', { numLayers: 2, bidirectional: true }), [7, 5]],
  ['gru 2 layers', classifier('gru', { numLayers: 2 }), [7, 5]],
  ['rnn relu bidirectional', classifier('rnn', { bidirectional: true, nonlinearity: 'relu' }), [7, 5]],
  ['lstm time-major, no bias', { type: 'sequential', layers: [{ type: 'lstm', inputSize: 5, hiddenSize: 4, bias: false }] } as LayerSpec, [7, 5]],
  [
    'embedding → gru',
    { type: 'sequential', layers: [{ type: 'embedding', numEmbeddings: 10, embeddingDim: 5, paddingIdx: 0 }, { type: 'gru', inputSize: 5, hiddenSize: 4, batchFirst: true }, { type: 'last_step' }] } as LayerSpec,
    [6],
  ],
];

for (const [name, spec, inputShape] of CASES) {
  test(`${name}: export runs in onnxruntime and the native engine as our forward pass (1e-4)`, async () => {
    const model = buildModule(spec, { rng: new Rng(21) }).eval();
    const bytes = exportOnnx(model, { inputShape, opset: 14 });
    const ops = new Set(readModel(bytes).graph.nodes.map((n) => n.opType));
    assert.ok(['LSTM', 'GRU', 'RNN'].some((op) => ops.has(op)), `recurrent node in [${[...ops]}]`);
    const rng = new Rng(22);
    const n = 4;
    const isTokens = name.startsWith('embedding');
    const x = isTokens ? Tensor.from(Array.from({ length: n * 6 }, () => rng.int(10)), [n, 6]) : Tensor.uniform([n, ...inputShape], rng, -2, 2);
    const ours = noGrad(() => model.forward(x));
    const feed = { input: { data: x.data, dims: [...x.shape] } };
    const ort = (await runEngine(ortEngine, bytes, feed))['logits']!;
    const nat = (await runEngine(nativeEngine, bytes, feed))['logits']!;
    assert.deepEqual(ort.dims, [...ours.shape]);
    assert.deepEqual(nat.dims, [...ours.shape]);
    assert.ok(maxDiff(ort.data, ours.data) < 1e-4, `ort vs ours ${maxDiff(ort.data, ours.data)}`);
    assert.ok(maxDiff(nat.data, ort.data) < 1e-4, `native vs ort ${maxDiff(nat.data, ort.data)}`);
  });
}

/** One LSTM node; layout 1 takes [N, T, F] and returns Y [N, T, dirs, H], states [N, dirs, H]. */
function lstmGraph(layout: 0 | 1, extra: Record<string, ReturnType<typeof attr.int>> = {}, op = 'LSTM'): Uint8Array {
  const [I, H, G] = [3, 4, op === 'GRU' ? 3 : 4];
  const r = new Rng(31);
  const f = (k: number) => Float32Array.from({ length: k }, () => r.uniform(-0.7, 0.7));
  const g = new GraphBuilder({ opset: 14 });
  g.input('x', 'float32', layout === 1 ? ['N', 5, I] : [5, 'N', I]);
  const W = g.initializer('W', { dtype: 'float32', dims: [2, G * H, I], data: f(2 * G * H * I) });
  const R = g.initializer('R', { dtype: 'float32', dims: [2, G * H, H], data: f(2 * G * H * H) });
  const B = g.initializer('B', { dtype: 'float32', dims: [2, 2 * G * H], data: f(4 * G * H) });
  g.node(op, ['x', W, R, B], { hidden_size: attr.int(H), direction: attr.string('bidirectional'), layout: attr.int(layout), ...extra }, ['Y', 'Y_h']);
  g.output('Y', 'float32', []);
  g.output('Y_h', 'float32', []);
  return g.toBytes();
}

test('native engine: layout=1 equals layout=0 on transposed data (onnxruntime refuses layout=1)', async () => {
  const rng = new Rng(33);
  const x = Tensor.uniform([2, 5, 3], rng, -1, 1); // [N, T, F]
  const xt = new Float32Array(30);
  for (let n = 0; n < 2; n++) for (let t = 0; t < 5; t++) for (let i = 0; i < 3; i++) xt[(t * 2 + n) * 3 + i] = x.data[(n * 5 + t) * 3 + i]!;
  const a = await runEngine(nativeEngine, lstmGraph(1), { x: { data: x.data, dims: [2, 5, 3] } });
  const b = await runEngine(nativeEngine, lstmGraph(0), { x: { data: xt, dims: [5, 2, 3] } });
  assert.deepEqual(a['Y']!.dims, [2, 5, 2, 4]);
  assert.deepEqual(a['Y_h']!.dims, [2, 2, 4]);
  // Y layout 1 [N, T, D, H] vs layout 0 [T, D, N, H].
  for (let n = 0; n < 2; n++)
    for (let t = 0; t < 5; t++)
      for (let d = 0; d < 2; d++)
        for (let h = 0; h < 4; h++) assert.ok(Math.abs(a['Y']!.data[((n * 5 + t) * 2 + d) * 4 + h]! - b['Y']!.data[((t * 2 + d) * 2 + n) * 4 + h]!) < 1e-6);
  for (let n = 0; n < 2; n++) for (let d = 0; d < 2; d++) for (let h = 0; h < 4; h++) assert.ok(Math.abs(a['Y_h']!.data[(n * 2 + d) * 4 + h]! - b['Y_h']!.data[(d * 2 + n) * 4 + h]!) < 1e-6);
});

test('native engine: what it cannot compute is UNSUPPORTED, naming the attribute', async () => {
  const feed = { x: { data: new Float32Array(30), dims: [5, 2, 3] } };
  const unsupported = (re: RegExp) => (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_UNSUPPORTED' && re.test(e.message);
  await assert.rejects(runEngine(nativeEngine, lstmGraph(0, { linear_before_reset: attr.int(0) }, 'GRU'), feed), unsupported(/linear_before_reset=0/));
  await assert.rejects(runEngine(nativeEngine, lstmGraph(0, { clip: attr.float(1) }), feed), unsupported(/clip/));
  await assert.rejects(runEngine(nativeEngine, lstmGraph(0, { input_forget: attr.int(1) }), feed), unsupported(/input_forget/));
});

test('graph training: gradients reach an exported LSTM\'s W, R and B through the op table', () => {
  const model = buildModule(classifier('lstm', {}), { rng: new Rng(5) }).eval();
  const prog = new GraphProgram(exportOnnx(model, { inputShape: [7, 5] }));
  const names = [...prog.params.keys()];
  for (const w of ['0.onnx_W_l0', '0.onnx_R_l0', '0.onnx_B_l0', '2.weight']) assert.ok(names.includes(w), `${w} in [${names}]`);
  const x = Tensor.uniform([3, 7, 5], new Rng(6), -1, 1);
  const logits = prog.forward(x);
  const ours = noGrad(() => model.forward(x));
  assert.ok(maxDiff(logits.data, ours.data) < 1e-5);
  sum(mul(logits, Tensor.from([1, -2, 3, 0.5, 1, -1, 2, 2, -3], [3, 3]))).backward();
  for (const w of ['0.onnx_W_l0', '0.onnx_R_l0', '0.onnx_B_l0']) {
    const g = prog.params.get(w)!.grad;
    assert.ok(g && g.some((v) => v !== 0), `${w} has a gradient`);
  }
});

test('a PyTorch-style state_dict (safetensors, PyTorch names) loads into LSTM directly', () => {
  const src = new LSTM(3, 4, { numLayers: 2, bidirectional: true, rng: new Rng(1) });
  // As torch's save_file(model.state_dict()) writes it: bare parameter names, F32.
  const tensors = new Map(src.namedParameters().map(([n, t]) => [n, { dtype: 'F32' as const, shape: [...t.shape], data: t.data }]));
  const ck = parseCheckpoint(encodeSafetensors(tensors));
  const dst: Module = new LSTM(3, 4, { numLayers: 2, bidirectional: true, rng: new Rng(2) });
  dst.loadStateDict(ck.state);
  const x = Tensor.uniform([5, 2, 3], new Rng(3), -1, 1);
  assert.deepEqual(noGrad(() => dst.forward(x)).toArray(), noGrad(() => src.forward(x)).toArray());
});
