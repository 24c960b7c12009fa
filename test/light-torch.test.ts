// A MobileNet-style model exported by PyTorch 1.13 (scripts/gen-light-torch.py: depthwise Convs with
// group, Clip for ReLU6, HardSwish, Add skips, GlobalAveragePool, Gemm) serves on both engines with
// PyTorch's own logits to 1e-4, and the FLOP counter reads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { nativeEngine } from '../src/runtime/native-engine.js';
import { readModel } from '../src/onnx/reader.js';
import { graphCost } from '../src/onnx/flops.js';

const dir = join(import.meta.dirname, 'fixtures');
const model = new Uint8Array(readFileSync(join(dir, 'light-torch-mobilenet.onnx')));
const ref = JSON.parse(readFileSync(join(dir, 'light-torch-mobilenet.json'), 'utf8')) as { input: number[]; dims: number[]; logits: number[] };

test('the PyTorch MobileNet-style export uses the light ops', () => {
  const nodes = readModel(model).graph.nodes;
  for (const op of ['Clip', 'HardSwish', 'Add', 'GlobalAveragePool']) assert.ok(nodes.some((n) => n.opType === op), op);
  assert.ok(nodes.some((n) => n.opType === 'Conv' && (n.attrs['group'] as { value: number } | undefined)?.value! > 1), 'depthwise Conv');
  const c = graphCost(model);
  assert.ok(c.macs > 0 && c.parameters > 1000, JSON.stringify(c));
});

for (const engine of [ortEngine, nativeEngine]) {
  test(`${engine.name} engine gives PyTorch's logits for its MobileNet-style export`, async () => {
    const session = await engine.load(model);
    try {
      const out = (await session.run({ input: { data: Float32Array.from(ref.input), dims: ref.dims } }))['logits']!;
      assert.deepEqual(out.dims, [ref.dims[0], 10]);
      for (let i = 0; i < ref.logits.length; i++) assert.ok(Math.abs(out.data[i]! - ref.logits[i]!) < 1e-4, `logit ${i}: ${out.data[i]} vs ${ref.logits[i]}`);
    } finally {
      await session.close();
    }
  });
}
