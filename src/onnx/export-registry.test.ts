// Every nn layer type has an ONNX exporter whose ops the one op table runs, and each layer's example
// exports on its own to the ops the exporter declares and runs in onnxruntime to the same numbers
// as our forward pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { LeptonError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Tensor, noGrad } from '../tensor/index.js';
import { LAYER_DEFS, LAYER_TYPES, Sequential, Linear, ReLU, buildModule, type LayerSpec } from '../nn/index.js';
import { LAYER_EXPORTERS, layerExporter } from './export-registry.js';
import { exportOnnx } from './export.js';
import { readModel } from './reader.js';
import { findOp } from './ops/op-table.js';

test('the exporters are keyed by exactly the nn layer types', () => {
  assert.deepEqual(Object.keys(LAYER_EXPORTERS).sort(), [...LAYER_TYPES].sort());
  assert.throws(() => layerExporter('transformer'), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_UNSUPPORTED');
});

test('every op an exporter emits is in the op table (so the native engine and compress run it)', () => {
  for (const [type, e] of Object.entries(LAYER_EXPORTERS)) for (const op of e.ops) assert.ok(findOp(op), `${type} emits ${op}, which the op table lacks`);
});

for (const def of LAYER_DEFS) {
  test(`${def.type}: its example exports to its declared ops and matches onnxruntime`, async () => {
    const { spec, inputShape } = def.example;
    const model = buildModule(spec as LayerSpec, { rng: new Rng(3) });
    model.eval();
    const bytes = exportOnnx(model, { inputShape });
    const ops = readModel(bytes).graph.nodes.map((n) => n.opType);
    // Layers holding layer lists (sequential, ar_highway's body) emit their children's ops too.
    const declaredOps = (l: LayerSpec): string[] =>
      l.type === 'sequential' ? l.layers.flatMap(declaredOps) : [...LAYER_EXPORTERS[l.type].ops, ...(l.type === 'ar_highway' ? l.body.flatMap(declaredOps) : [])];
    const declared = declaredOps(spec as LayerSpec);
    assert.deepEqual([...new Set(ops)].sort(), [...new Set(declared)].sort());
    const x = Tensor.uniform([3, ...inputShape], new Rng(4), -2, 2);
    const ours = noGrad(() => model.forward(x));
    const session = await ort.InferenceSession.create(bytes);
    try {
      const theirs = (await session.run({ input: new ort.Tensor('float32', x.data, x.shape) }))['logits']!;
      assert.deepEqual(theirs.dims, ours.shape);
      const d = theirs.data as Float32Array;
      for (let i = 0; i < d.length; i++) assert.ok(Math.abs(d[i]! - ours.data[i]!) < 1e-4, `${def.type}: element ${i}: ${d[i]} vs ${ours.data[i]}`);
    } finally {
      await session.release();
    }
  });
}

test('a single layer with weights exports under its own state-dict names', () => {
  const m = readModel(exportOnnx(new Linear(3, 2), { inputShape: [3] }));
  assert.deepEqual([...m.graph.initializers.keys()].sort(), ['bias', 'weight']);
});

test('a nested Sequential is refused as UNSUPPORTED', () => {
  const nested = new Sequential(new Sequential(new Linear(2, 2)), new ReLU());
  assert.throws(() => exportOnnx(nested, { inputShape: [2] }), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_UNSUPPORTED' && /nested Sequential/.test(e.message));
});
