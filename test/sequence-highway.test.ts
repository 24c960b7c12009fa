// LSTNet's autoregressive highway (src/nn/highway.ts, `ar_highway`): output shape, the ONNX export as
// one graph that onnxruntime and the native engine run as our forward pass, the seed-ensemble merge,
// and that the AR part alone fits a purely linear series (what the forecaster's highway is for).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { Adam, type ArHighway, buildModule, type LayerSpec, type ModelArch } from '../src/nn/index.js';
import { Tensor, mseLoss, noGrad } from '../src/tensor/index.js';
import { exportOnnx } from '../src/onnx/export.js';
import { readModel } from '../src/onnx/reader.js';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { nativeEngine } from '../src/runtime/native-engine.js';
import { type Engine, type EngineTensor } from '../src/runtime/engine.js';
import { mergeEnsemble } from '../src/cli/forecast-ensemble.js';

const [W, F, K, H] = [6, 2, 3, 5];
const spec = (cell: 'lstm' | 'gru' = 'lstm'): LayerSpec => ({
  type: 'ar_highway',
  window: W,
  features: F,
  outFeatures: K,
  body: [{ type: cell, inputSize: F, hiddenSize: H, batchFirst: true }, { type: 'last_step' }, { type: 'linear', inFeatures: H, outFeatures: K }],
});

async function runEngine(engine: Engine, bytes: Uint8Array, feed: Record<string, EngineTensor>): Promise<Record<string, EngineTensor>> {
  const s = await engine.load(bytes);
  try {
    return await s.run(feed);
  } finally {
    await s.close();
  }
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test('ar_highway: [N, W, F] → [N, K] = body + Linear(flattened window); state names body.* and ar.*', () => {
  const m = buildModule(spec(), { rng: new Rng(1) }) as ArHighway;
  const x = Tensor.uniform([4, W, F], new Rng(2), -1, 1);
  const y = noGrad(() => m.forward(x));
  assert.deepEqual([...y.shape], [4, K]);
  const body = noGrad(() => m.body.forward(x));
  const ar = noGrad(() => m.ar.forward(Tensor.from(Array.from(x.data), [4, W * F])));
  y.data.forEach((v, i) => assert.ok(Math.abs(v - body.data[i]! - ar.data[i]!) < 1e-6));
  const names = [...m.stateDict().keys()];
  assert.ok(names.includes('body.0.weight_ih_l0') && names.includes('ar.weight') && names.includes('ar.bias'), names.join(','));
  assert.deepEqual(m.stateDict().get('ar.weight')!.shape, [K, W * F]);
  assert.throws(() => m.forward(Tensor.zeros([2, W + 1, F])));
});

test('ar_highway exports as one graph; onnxruntime and the native engine agree with our forward pass (1e-4)', async () => {
  const m = buildModule(spec(), { rng: new Rng(3) }).eval();
  const bytes = exportOnnx(m, { inputShape: [W, F] });
  const g = readModel(bytes).graph;
  const ops = g.nodes.map((n) => n.opType);
  assert.ok(ops.includes('LSTM') && ops.includes('Add') && ops.includes('Gemm'), ops.join(','));
  const x = Tensor.uniform([5, W, F], new Rng(4), -2, 2);
  const ours = noGrad(() => m.forward(x));
  const feed = { input: { data: x.data, dims: [...x.shape] } };
  const ort = (await runEngine(ortEngine, bytes, feed))['logits']!;
  const nat = (await runEngine(nativeEngine, bytes, feed))['logits']!;
  assert.deepEqual(ort.dims, [5, K]);
  assert.ok(maxDiff(ort.data, ours.data) < 1e-4, `ort vs ours ${maxDiff(ort.data, ours.data)}`);
  assert.ok(maxDiff(nat.data, ours.data) < 1e-4, `native vs ours ${maxDiff(nat.data, ours.data)}`);
});

test('ar_highway seed ensemble merges into one network equal to the members\' mean', () => {
  const arch: ModelArch = { name: 't', inputShape: [W, F], numClasses: K, model: spec('gru') as ModelArch['model'] };
  const members = [1, 2, 3].map((s) => buildModule(arch.model, { rng: new Rng(s) }).eval());
  const { model } = mergeEnsemble(members, arch);
  const x = Tensor.uniform([4, W, F], new Rng(9), -2, 2);
  const mean = new Float32Array(4 * K);
  noGrad(() => members.forEach((m) => m.forward(x).data.forEach((v, i) => (mean[i]! += v / 3))));
  const got = noGrad(() => model.forward(x).data);
  got.forEach((v, i) => assert.ok(Math.abs(v - mean[i]!) < 1e-5, `output ${i}: ${v} vs ${mean[i]}`));
  assert.ok(noGrad(() => members[0]!.forward(x).data).some((v, i) => Math.abs(v - mean[i]!) > 1e-3));
});

test('the AR part alone fits a purely linear series (body silenced and frozen)', () => {
  // A trend plus a cycle, s_t = 0.01·t + sin(0.5·t + φ): it obeys a linear recurrence of order 4,
  // so with a window of 6 the next K values are an exact linear map of the window.
  const n = 400;
  const phi = new Rng(5).uniform(0, 6);
  const s = Float64Array.from({ length: n }, (_, t) => 0.01 * t + Math.sin(0.5 * t + phi));
  const m = n - W - K;
  const x = new Float32Array(m * W * F);
  const y = new Float32Array(m * K);
  for (let i = 0; i < m; i++) {
    for (let w = 0; w < W; w++) {
      x[(i * W + w) * F] = s[i + w]!;
      x[(i * W + w) * F + 1] = s[i + w]! - s[i + W - 1]!; // a second, also linear, feature
    }
    for (let k = 0; k < K; k++) y[i * K + k] = s[i + W + k]!;
  }
  const model = buildModule(spec(), { rng: new Rng(6) }) as ArHighway;
  const head = model.body.stateDict();
  head.get('2.weight')!.data.fill(0);
  head.get('2.bias')!.data.fill(0);
  const opt = new Adam(model.ar.parameters(), { lr: 0.05 });
  const xt = new Tensor(x, [m, W, F]);
  let loss = Infinity;
  for (let step = 0; step < 600; step++) {
    model.zeroGrad();
    const l = mseLoss(model.forward(xt), y);
    l.backward();
    opt.step();
    loss = l.item();
  }
  let variance = 0;
  const mean = y.reduce((a, v) => a + v, 0) / y.length;
  y.forEach((v) => (variance += (v - mean) ** 2 / y.length));
  assert.ok(loss < 1e-3 * variance, `AR part MSE ${loss} vs target variance ${variance}`);
});
