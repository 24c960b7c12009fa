// Light architectures end to end: the inverted residual block's gradients by finite differences,
// mobilenet-mini trained a few steps (so batch norm has real statistics to fold), exported, and run
// on onnxruntime and the native engine to the same numbers as our forward pass; the graph has
// grouped Convs, Clip, Add and GlobalAveragePool and no BatchNormalization; the op-table entries
// take gradients (graph fine-tuning); the FLOP counter gives the CNN's hand-counted MACs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { Tensor, noGrad, gradCheck, mul, sum } from '../src/tensor/index.js';
import { Adam, InvertedResidual, buildModule, crossEntropy, namedArch, type Module } from '../src/nn/index.js';
import { exportOnnx } from '../src/onnx/export.js';
import { readModel } from '../src/onnx/reader.js';
import { graphCost } from '../src/onnx/flops.js';
import { quantizeDynamic } from '../src/onnx/quantize-dynamic.js';
import { runOp, valueOf } from '../src/onnx/ops/op-table.js';
import { attr } from '../src/onnx/builder.js';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { nativeEngine } from '../src/runtime/native-engine.js';

const weighted = (y: Tensor) => sum(mul(y, Tensor.from(Array.from({ length: y.size }, (_, i) => Math.cos(i)), y.shape)));

test('inverted residual (with and without the skip): gradients match finite differences', () => {
  for (const [inC, outC, stride] of [[3, 3, 1], [2, 4, 2]] as const) {
    const block = new InvertedResidual(inC, outC, { stride, expandRatio: 2, rng: new Rng(5) });
    assert.equal(block.residual, stride === 1 && inC === outC);
    block.eval(); // running statistics: a fixed affine map, so finite differences see a smooth function
    // Keep every ReLU6 input well inside (0, 6), away from the kinks finite differences cannot see
    // across (the kinks themselves are checked in src/tensor/ops/light.test.ts): small conv weights
    // and a batch-norm shift of 3 before each ReLU6.
    for (const [name, p] of block.namedParameters()) {
      for (let i = 0; i < p.size; i++) {
        const wiggle = 0.05 * Math.sin(i + 1);
        p.data[i] = name.endsWith('conv.weight') ? 0.3 * p.data[i]! : name.endsWith('bn.bias') && !name.startsWith('project') ? 3 + wiggle : p.data[i]! + wiggle;
      }
    }
    const x = Tensor.randn([2, inC, 5, 5], new Rng(6), 1, 0, true);
    const r = gradCheck(() => weighted(block.forward(x)), [x, ...block.parameters()]);
    assert.ok(r.maxAbsErr < 3e-3, `${inC}→${outC}/${stride}: ${JSON.stringify(r)}`);
  }
});

/** mobilenet-mini at width 0.5, a few Adam steps on random data so every batch norm has moved off its init. */
function trainedMini(): Module {
  const arch = namedArch('mobilenet-mini', 10, { widthMult: 0.5 });
  const model = buildModule(arch.model, { rng: new Rng(1) });
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const rng = new Rng(2);
  for (let step = 0; step < 3; step++) {
    const x = Tensor.uniform([8, 1, 28, 28], rng, 0, 1);
    const y = Int32Array.from({ length: 8 }, (_, i) => (i * 3 + step) % 10);
    opt.zeroGrad();
    crossEntropy(model.forward(x), y).backward();
    opt.step();
  }
  model.eval();
  return model;
}

test('mobilenet-mini exports with folded batch norms and runs the same on onnxruntime, the native engine and here', async () => {
  const model = trainedMini();
  const bytes = exportOnnx(model, { inputShape: [1, 28, 28] });
  const nodes = readModel(bytes).graph.nodes;
  const ops = new Set(nodes.map((n) => n.opType));
  for (const op of ['Conv', 'Clip', 'Add', 'GlobalAveragePool', 'Gemm']) assert.ok(ops.has(op), `graph lacks ${op}`);
  assert.ok(!ops.has('BatchNormalization'), 'batch norms are folded into the convs');
  assert.ok(nodes.some((n) => n.opType === 'Conv' && (n.attrs['group'] as { value: number } | undefined)?.value! > 1), 'depthwise convs carry group');
  const x = Tensor.uniform([4, 1, 28, 28], new Rng(7), 0, 1);
  const ours = noGrad(() => model.forward(x));
  for (const engine of [ortEngine, nativeEngine]) {
    const session = await engine.load(bytes);
    try {
      const out = (await session.run({ input: { data: x.data, dims: [...x.shape] } }))['logits']!;
      assert.deepEqual(out.dims, [4, 10]);
      for (let i = 0; i < out.data.length; i++) {
        assert.ok(Math.abs(out.data[i]! - ours.data[i]!) < 1e-4, `${engine.name}: logit ${i}: ${out.data[i]} vs ${ours.data[i]}`);
      }
    } finally {
      await session.close();
    }
  }
});

test('the light op-table entries take gradients, as graph fine-tuning needs', () => {
  const rng = new Rng(8);
  const x = Tensor.randn([1, 4, 5, 5], rng, 1, 0, true);
  const w = Tensor.randn([4, 2, 3, 3], rng, 0.5, 0, true);
  const lo = valueOf({ dtype: 'float32', dims: [], data: Float32Array.of(-0.5) });
  const hi = valueOf({ dtype: 'float32', dims: [], data: Float32Array.of(0.7) });
  const conv = { opType: 'Conv', name: 'c', attrs: { group: attr.int(2), pads: attr.ints([1, 1, 1, 1]) } };
  const f = (): Tensor => {
    const y = runOp(conv, [{ t: x, dtype: 'float32' }, { t: w, dtype: 'float32' }])[0]!;
    const c = runOp({ opType: 'Clip', attrs: {} }, [y, lo, hi])[0]!;
    const h = runOp({ opType: 'HardSwish', attrs: {} }, [c])[0]!;
    return weighted(runOp({ opType: 'GlobalAveragePool', attrs: {} }, [h])[0]!.t);
  };
  assert.ok(gradCheck(f, [x, w], 1e-3).maxAbsErr < 2e-3);
  assert.ok(w.grad!.some((g) => g !== 0));
});

test('graphCost: the CNN has the hand-counted MACs; mobilenet-mini is far smaller in parameters', () => {
  const cnn = buildModule(namedArch('cnn').model);
  cnn.eval();
  const c = graphCost(exportOnnx(cnn, { inputShape: [1, 28, 28] }));
  const convMacs = 28 * 28 * 32 * 9 + 14 * 14 * 64 * 32 * 9;
  assert.equal(c.byOp['Conv'], convMacs);
  assert.equal(c.byOp['Gemm'], 3136 * 128 + 128 * 10);
  assert.equal(c.parameters, cnn.numParameters());
  const mini = buildModule(namedArch('mobilenet-mini').model);
  mini.eval();
  const m = graphCost(exportOnnx(mini, { inputShape: [1, 28, 28] }));
  assert.ok(m.parameters < c.parameters / 2, `${m.parameters} vs ${c.parameters}`);
  assert.ok(m.flops > 2 * m.macs);
});

test('int8 (dynamic, weight-only and ConvInteger) keeps grouped convs: both engines agree and the file shrinks', async () => {
  const model = trainedMini();
  const bytes = exportOnnx(model, { inputShape: [1, 28, 28] });
  const x = Tensor.uniform([2, 1, 28, 28], new Rng(9), 0, 1);
  const ours = noGrad(() => model.forward(x));
  for (const conv of ['weight-only', 'integer'] as const) {
    const q = quantizeDynamic(bytes, { conv });
    assert.ok(q.bytes.length < bytes.length / 2, `${conv}: ${q.bytes.length} vs ${bytes.length}`);
    const outs: Float32Array[] = [];
    for (const engine of [ortEngine, nativeEngine]) {
      const session = await engine.load(q.bytes);
      try {
        outs.push((await session.run({ input: { data: x.data, dims: [...x.shape] } }))['logits']!.data as Float32Array);
      } finally {
        await session.close();
      }
    }
    // The engines round the same way on weights; ConvInteger also quantizes activations, where the
    // two may differ by one step, so they are held to a looser bound there.
    const tol = conv === 'integer' ? 5e-2 : 1e-4;
    for (let i = 0; i < outs[0]!.length; i++) assert.ok(Math.abs(outs[0]![i]! - outs[1]![i]!) < tol, `${conv} ort vs native, logit ${i}: ${outs[0]![i]} vs ${outs[1]![i]}`);
    for (let i = 0; i < ours.size; i++) assert.ok(Math.abs(outs[0]![i]! - ours.data[i]!) < 0.5, `${conv} int8 vs float, logit ${i}`);
  }
});

test('a grouped conv2d layer exports its group and onnxruntime agrees; a dense one carries no group attribute', async () => {
  const model = buildModule({ type: 'sequential', layers: [{ type: 'conv2d', inChannels: 4, outChannels: 6, kernelSize: 3, padding: 1, groups: 2 }, { type: 'conv2d', inChannels: 6, outChannels: 2, kernelSize: 1 }] }, { rng: new Rng(11) });
  const bytes = exportOnnx(model, { inputShape: [4, 5, 5] });
  const convs = readModel(bytes).graph.nodes.filter((n) => n.opType === 'Conv');
  assert.deepEqual(convs.map((n) => (n.attrs['group'] as { value: number } | undefined)?.value), [2, undefined]);
  const x = Tensor.uniform([2, 4, 5, 5], new Rng(12), -1, 1);
  const ours = noGrad(() => model.forward(x));
  const session = await ortEngine.load(bytes);
  try {
    const out = (await session.run({ input: { data: x.data, dims: [...x.shape] } }))['logits']!;
    for (let i = 0; i < out.data.length; i++) assert.ok(Math.abs(out.data[i]! - ours.data[i]!) < 1e-4, `element ${i}`);
  } finally {
    await session.close();
  }
});
