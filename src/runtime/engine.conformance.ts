/**
 * The one conformance suite every Engine must pass: metadata, numerics per op family, batch
 * independence (the batcher relies on it), and the errors for bad feeds, corrupt bytes and unknown ops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/errors.js';
import { GraphBuilder, attr } from '../onnx/builder.js';
import { conformanceCases } from './engine-cases.conformance.js';
import { type Engine, type EngineTensor } from './engine.js';

function close(actual: EngineTensor | undefined, expected: EngineTensor, tol: number, label: string): void {
  assert.ok(actual, `${label}: output missing`);
  assert.deepEqual(actual.dims, expected.dims, `${label}: dims`);
  assert.equal(actual.data.length, expected.data.length, `${label}: length`);
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i]! - expected.data[i]!);
    assert.ok(d <= tol * (1 + Math.abs(expected.data[i]!)), `${label}[${i}]: ${actual.data[i]} vs ${expected.data[i]}`);
  }
}

function isCode(code: string, fragment?: string): (e: unknown) => boolean {
  return (e) => e instanceof LeptonError && e.code === code && (fragment === undefined || e.message.includes(fragment));
}

/** A 2-layer MLP [N,4] → [N,3] with fixed weights, for metadata and batching checks. */
function tinyMlp(): Uint8Array {
  const g = new GraphBuilder();
  g.input('input', 'float32', ['N', 4]);
  const w1 = g.initializer('w1', { dtype: 'float32', dims: [4, 5], data: Float32Array.from({ length: 20 }, (_, i) => Math.sin(i + 1)) });
  const b1 = g.initializer('b1', { dtype: 'float32', dims: [5], data: Float32Array.from({ length: 5 }, (_, i) => 0.1 * i - 0.2) });
  const w2 = g.initializer('w2', { dtype: 'float32', dims: [5, 3], data: Float32Array.from({ length: 15 }, (_, i) => Math.cos(i)) });
  const h = g.node('Relu', [g.node('Add', [g.node('MatMul', ['input', w1]), b1])]);
  g.node('MatMul', [h, w2], {}, ['output']);
  g.output('output', 'float32', ['N', 3]);
  return g.toBytes();
}

/** Register the conformance tests for `engine` with node:test. */
export function runEngineConformance(engine: Engine): void {
  const label = `[${engine.name}]`;

  test(`${label} describes inputs and outputs with the dynamic batch dim`, async () => {
    const s = await engine.load(tinyMlp());
    try {
      assert.deepEqual(s.inputs, [{ name: 'input', dtype: 'float32', shape: ['N', 4] }]);
      assert.deepEqual(s.outputs, [{ name: 'output', dtype: 'float32', shape: ['N', 3] }]);
      assert.equal(s.executionProvider, 'cpu');
    } finally {
      await s.close();
    }
  });

  test(`${label} a batched run equals the rows run one by one`, async () => {
    const s = await engine.load(tinyMlp());
    try {
      const x = Float32Array.from({ length: 20 }, (_, i) => (i % 7) - 3 + i / 10);
      const all = (await s.run({ input: { data: x, dims: [5, 4] } }))['output']!;
      assert.deepEqual(all.dims, [5, 3]);
      for (let r = 0; r < 5; r++) {
        const one = (await s.run({ input: { data: x.slice(r * 4, r * 4 + 4), dims: [1, 4] } }))['output']!;
        close(one, { data: all.data.slice(r * 3, r * 3 + 3), dims: [1, 3] }, 1e-5, `row ${r}`);
      }
    } finally {
      await s.close();
    }
  });

  for (const c of conformanceCases()) {
    test(`${label} ${c.name}`, async () => {
      const s = await engine.load(c.model);
      try {
        const out = await s.run(c.feed);
        for (const [name, want] of Object.entries(c.expect)) close(out[name], want, c.tolerance, name);
      } finally {
        await s.close();
      }
    });
  }

  test(`${label} bad feeds are refused with typed errors`, async () => {
    const s = await engine.load(tinyMlp());
    try {
      await assert.rejects(s.run({}), isCode('LEPTON_ERR_INVALID_INPUT', 'input'));
      await assert.rejects(s.run({ input: { data: new Float32Array(4), dims: [1, 4] }, extra: { data: new Float32Array(1), dims: [1] } }), isCode('LEPTON_ERR_INVALID_INPUT', 'extra'));
      await assert.rejects(s.run({ input: { data: new Float32Array(5), dims: [1, 5] } }), isCode('LEPTON_ERR_SHAPE_MISMATCH'));
      await assert.rejects(s.run({ input: { data: new Float32Array(7), dims: [2, 4] } }), isCode('LEPTON_ERR_SHAPE_MISMATCH'));
      await assert.rejects(s.run({ input: { data: new Float32Array(4), dims: [4] } }), isCode('LEPTON_ERR_SHAPE_MISMATCH'));
      // The session still works afterwards.
      const ok = await s.run({ input: { data: new Float32Array(8), dims: [2, 4] } });
      assert.deepEqual(ok['output']!.dims, [2, 3]);
    } finally {
      await s.close();
    }
  });

  test(`${label} corrupt bytes → LEPTON_ERR_CORRUPT_FILE`, async () => {
    await assert.rejects(engine.load(new TextEncoder().encode('this is not onnx')), isCode('LEPTON_ERR_CORRUPT_FILE'));
    const good = tinyMlp();
    await assert.rejects(engine.load(good.subarray(0, good.length - 20)), isCode('LEPTON_ERR_CORRUPT_FILE'));
  });

  test(`${label} an unknown operator → LEPTON_ERR_UNSUPPORTED naming it`, async () => {
    const g = new GraphBuilder();
    g.input('x', 'float32', ['N', 2]);
    g.node('FrobnicateOp', ['x'], { k: attr.int(1) }, ['y']);
    g.output('y', 'float32', ['N', 2]);
    await assert.rejects(engine.load(g.toBytes()), isCode('LEPTON_ERR_UNSUPPORTED', 'FrobnicateOp'));
  });
}
