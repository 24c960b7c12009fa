// PyTorch interop of the recurrent layers, against fixtures PyTorch wrote (scripts/gen-sequence-fixtures.py):
// torch.onnx-exported LSTM/GRU classifiers (2 layers, bidirectional, batch-first: Shape/ConstantOfShape/
// Slice/Transpose around the LSTM/GRU nodes) run on onnxruntime and the native engine to PyTorch's logits
// (1e-4); an nn.LSTM state_dict saved as safetensors loads into our LSTM and gives PyTorch's outputs; and
// the exported LSTM serves on the native engine, answering OIP v2 infer and /predict with PyTorch's logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, noGrad } from '../src/tensor/index.js';
import { LSTM, loadCheckpoint } from '../src/nn/index.js';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { nativeEngine } from '../src/runtime/native-engine.js';
import { servePhoton } from '../src/serve/serve-photon.js';

const DIR = join(import.meta.dirname, 'fixtures', 'sequence');

interface Ref {
  input: number[];
  input_dims: number[];
  logits: number[];
  logits_dims: number[];
}

const ref = (name: string): Ref => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Ref;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const cell of ['lstm', 'gru']) {
  for (const engine of [ortEngine, nativeEngine]) {
    test(`PyTorch-exported ${cell}: ${engine.name} gives PyTorch's logits (1e-4)`, async () => {
      const r = ref(cell);
      const s = await engine.load(readFileSync(join(DIR, `${cell}.onnx`)));
      try {
        const out = (await s.run({ input: { data: Float32Array.from(r.input), dims: r.input_dims } }))['logits']!;
        assert.deepEqual(out.dims, r.logits_dims);
        assert.ok(maxDiff(out.data, r.logits) < 1e-4, `max diff ${maxDiff(out.data, r.logits)}`);
      } finally {
        await s.close();
      }
    });
  }
}

test("an nn.LSTM state_dict (safetensors) loads into LSTM and gives PyTorch's output and states", () => {
  const r = JSON.parse(readFileSync(join(DIR, 'lstm-state.json'), 'utf8')) as { input: number[]; input_dims: number[]; output: number[]; h: number[]; c: number[] };
  const ck = loadCheckpoint(join(DIR, 'lstm-state.safetensors'));
  const m = new LSTM(4, 5, { numLayers: 2, bidirectional: true });
  m.loadStateDict(ck.state);
  const res = noGrad(() => m.run(new Tensor(Float32Array.from(r.input), r.input_dims)));
  assert.ok(maxDiff(res.output.data, r.output) < 1e-5, 'output');
  assert.ok(maxDiff(res.h.data, r.h) < 1e-5, 'h');
  assert.ok(maxDiff(res.c!.data, r.c) < 1e-5, 'c');
});

test("the PyTorch LSTM serves on the native engine: OIP v2 infer and /predict answer PyTorch's logits", async () => {
  const r = ref('lstm');
  const h = await servePhoton({ modelFile: join(DIR, 'lstm.onnx'), engine: 'native', port: 0 });
  try {
    const infer = await fetch(`${h.url}/v2/models/lstm/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: r.input_dims, datatype: 'FP32', data: r.input }] }),
    });
    assert.equal(infer.status, 200);
    const body = (await infer.json()) as { outputs: Array<{ name: string; shape: number[]; data: number[] }> };
    const logits = body.outputs.find((o) => o.name === 'logits')!;
    assert.deepEqual(logits.shape, r.logits_dims);
    assert.ok(maxDiff(logits.data, r.logits) < 1e-4);
    // /predict with one window as [T][F] nested arrays per row.
    const [, T, F] = r.input_dims as [number, number, number];
    const first = Array.from({ length: T }, (_, t) => r.input.slice(t * F, (t + 1) * F));
    const p = await fetch(`${h.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [first] }) });
    assert.equal(p.status, 200);
    const pb = (await p.json()) as { predictions: Array<{ index: number }> };
    const row = r.logits.slice(0, 3);
    assert.equal(pb.predictions[0]!.index, row.indexOf(Math.max(...row)));
  } finally {
    await h.close();
  }
});
