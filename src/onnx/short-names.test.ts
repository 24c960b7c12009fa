// The short-names pass: smaller file, same graph inputs and outputs, same results in onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Rng } from '../core/rng.js';
import { Tensor } from '../tensor/index.js';
import { buildModule, namedArch } from '../nn/index.js';
import { exportOnnx } from './export.js';
import { quantizeDynamic } from './quantize-dynamic.js';
import { readModel } from './reader.js';
import { shortenNames } from './short-names.js';

async function run(bytes: Uint8Array, x: Tensor): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    return (await s.run({ input: new ort.Tensor('float32', x.data, x.shape) }))['logits']!.data as Float32Array;
  } finally {
    await s.release();
  }
}

test('short names: an int8 mobilenet-mini shrinks, keeps its input and output names, and computes the same', async () => {
  const a = namedArch('mobilenet-mini', 10, { widthMult: 0.25 });
  const model = buildModule(a.model, { rng: new Rng(1) });
  model.eval();
  const int8 = quantizeDynamic(exportOnnx(model, { inputShape: a.inputShape })).bytes;
  const r = shortenNames(int8);
  assert.ok(r.bytes.length < int8.length * 0.85, `${r.bytes.length} vs ${int8.length} bytes`);
  assert.ok(r.renamed > 50);
  const [before, after] = [readModel(int8).graph, readModel(r.bytes).graph];
  assert.deepEqual(after.inputs.map((v) => v.name), before.inputs.map((v) => v.name));
  assert.deepEqual(after.outputs.map((v) => v.name), before.outputs.map((v) => v.name));
  assert.deepEqual(after.nodes.map((n) => n.opType), before.nodes.map((n) => n.opType));
  const x = Tensor.uniform([4, ...a.inputShape], new Rng(2), 0, 1);
  assert.deepEqual(await run(r.bytes, x), await run(int8, x));
});
