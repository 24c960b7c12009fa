// 16-bit activation storage with per-layer recomputation gives the gradients of the fp32 model
// (within 16-bit rounding), applies batch-norm statistics once, and replays dropout's mask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { buildModule, type LayerSpec } from '../nn/index.js';
import { Tensor, softmaxCrossEntropy } from '../tensor/index.js';
import { roundHalf } from './half.js';
import { HalfActivationModel } from './half-model.js';

const SPEC: LayerSpec = {
  type: 'sequential',
  layers: [
    { type: 'linear', inFeatures: 6, outFeatures: 16 },
    { type: 'relu' },
    { type: 'batchnorm1d', numFeatures: 16 },
    { type: 'dropout', p: 0.3 },
    { type: 'linear', inFeatures: 16, outFeatures: 3 },
  ],
};

function batch(): { x: Tensor; y: Int32Array } {
  const rng = new Rng(3);
  return { x: Tensor.randn([32, 6], rng), y: Int32Array.from({ length: 32 }, (_, i) => i % 3) };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += a[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

for (const fmt of ['bf16', 'fp16'] as const) {
  test(`${fmt} activations: gradients match the fp32 model's, batch norm updates once, dropout replays its mask`, () => {
    const ref = buildModule(SPEC, { rng: new Rng(1) });
    const inner = buildModule(SPEC, { rng: new Rng(1) });
    const half = new HalfActivationModel(inner, fmt, () => inner.stateDict());
    const { x, y } = batch();
    softmaxCrossEntropy(ref.forward(x), y).backward();
    const out = half.forward(x);
    // The output the loss sees is already a 16-bit value.
    assert.deepEqual([...roundHalf(out.data.slice(), fmt)], [...out.data]);
    softmaxCrossEntropy(out, y).backward();
    const tol = fmt === 'bf16' ? 3e-2 : 4e-3;
    for (const [[name, a], [, b]] of ref.namedParameters().map((p, i) => [p, inner.namedParameters()[i]!] as const)) {
      assert.ok(relErr(a.grad!, b.grad!) < tol, `${name}: relative gradient error ${relErr(a.grad!, b.grad!)}`);
    }
    const rm = (m: typeof ref): Float32Array => m.stateDict().get('2.running_mean')!.data;
    assert.ok(relErr(rm(ref), rm(inner)) < tol, `running mean: ${[...rm(ref)].slice(0, 3)} vs ${[...rm(inner)].slice(0, 3)}`);
    // Stored: every layer's input, 2 bytes a value.
    assert.equal(half.lastActivationBytes, 2 * 32 * (6 + 16 + 16 + 16 + 16));
  });
}
