// Builder ↔ reader round trip, and onnxruntime-node loading a built MLP and computing the right numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildModel, attr, GraphBuilder } from '../src/onnx/builder.js';
import { readModel, float16ToFloat32, float32ToFloat16 } from '../src/onnx/reader.js';
import { LeptonError } from '../src/core/errors.js';
import { mlpWeights, mlpModel, mlpForward, randomInput, maxAbsDiff } from './fixtures/models.js';

test('initializers of every dtype and every attribute kind survive a round trip', () => {
  const bytes = buildModel({
    opset: 17,
    extraOpsets: { 'com.microsoft': 1 },
    metadata: { author: 'test' },
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 3] }],
    initializers: [
      { name: 'f32', dtype: 'float32', dims: [3], data: new Float32Array([1.5, -2, 3.25]) },
      { name: 'i8', dtype: 'int8', dims: [2, 2], data: new Int8Array([-128, 0, 1, 127]) },
      { name: 'u8', dtype: 'uint8', dims: [2], data: new Uint8Array([0, 255]) },
      { name: 'i32', dtype: 'int32', dims: [2], data: new Int32Array([-5, 2 ** 30]) },
      { name: 'i64', dtype: 'int64', dims: [3], data: [-1, 0, 784] },
      { name: 'f16', dtype: 'float16', dims: [2], data: float32ToFloat16([0.5, -3]) },
      { name: 'scalar', dtype: 'float32', dims: [], data: new Float32Array([7]) },
    ],
    nodes: [
      {
        opType: 'Identity',
        inputs: ['x'],
        outputs: ['y'],
        attrs: {
          i: attr.int(-1),
          is: attr.ints([1, 2, 3]),
          f: attr.float(0.25),
          fs: attr.floats([0.5, 1.5]),
          s: attr.string('NOTSET'),
          ss: attr.strings(['a', 'b']),
          t: attr.tensor({ dtype: 'int64', dims: [2], data: [-1, 10] }),
        },
      },
    ],
  });
  const m = readModel(bytes);
  assert.equal(m.opsets[''], 17);
  assert.equal(m.opsets['com.microsoft'], 1);
  assert.equal(m.metadata['author'], 'test');
  assert.deepEqual(m.graph.inputs, [{ name: 'x', dtype: 'float32', shape: ['N', 3] }]);
  const init = m.graph.initializers;
  assert.deepEqual(Array.from(init.get('f32')!.data as Float32Array), [1.5, -2, 3.25]);
  assert.deepEqual(init.get('i8')!.dims, [2, 2]);
  assert.deepEqual(Array.from(init.get('i8')!.data as Int8Array), [-128, 0, 1, 127]);
  assert.deepEqual(Array.from(init.get('u8')!.data as Uint8Array), [0, 255]);
  assert.deepEqual(Array.from(init.get('i32')!.data as Int32Array), [-5, 2 ** 30]);
  assert.deepEqual(Array.from(init.get('i64')!.data as BigInt64Array), [-1n, 0n, 784n]);
  assert.deepEqual(Array.from(float16ToFloat32(init.get('f16')!.data as Uint16Array)), [0.5, -3]);
  assert.deepEqual(init.get('scalar')!.dims, []);
  const a = m.graph.nodes[0]!.attrs;
  assert.deepEqual(a['i'], { type: 'int', value: -1 });
  assert.deepEqual(a['is'], { type: 'ints', value: [1, 2, 3] });
  assert.deepEqual(a['f'], { type: 'float', value: 0.25 });
  assert.deepEqual(a['fs'], { type: 'floats', value: [0.5, 1.5] });
  assert.deepEqual(a['s'], { type: 'string', value: 'NOTSET' });
  assert.deepEqual(a['ss'], { type: 'strings', value: ['a', 'b'] });
  const t = a['t'];
  assert.ok(t?.type === 'tensor');
  assert.deepEqual(Array.from(t.value.data as BigInt64Array), [-1n, 10n]);
});

test('float16 conversion round-trips representable values and saturates to Infinity', () => {
  const vals = [0, -0, 1, -1, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8];
  assert.deepEqual(Array.from(float16ToFloat32(float32ToFloat16(vals))), vals);
  assert.equal(float16ToFloat32(float32ToFloat16([1e6]))[0], Infinity);
  assert.ok(Number.isNaN(float16ToFloat32(float32ToFloat16([NaN]))[0]));
});

for (const style of ['matmul', 'gemm'] as const) {
  test(`onnxruntime-node runs a built ${style} MLP with a dynamic batch and matches the reference`, async () => {
    const w = mlpWeights([20, 16, 5], 3);
    const bytes = mlpModel(w, { style, softmax: true });
    const session = await ort.InferenceSession.create(bytes);
    assert.deepEqual(session.inputNames, ['input']);
    for (const n of [1, 4]) {
      const x = randomInput(n, 20, n);
      const out = await session.run({ input: new ort.Tensor('float32', x, [n, 20]) });
      const y = out['output']!;
      assert.deepEqual(y.dims, [n, 5]);
      assert.ok(maxAbsDiff(y.data as Float32Array, mlpForward(w, x, n, true)) < 1e-5);
    }
    await session.release();
  });
}

test('garbage bytes are refused with LEPTON_ERR_CORRUPT_FILE', () => {
  for (const junk of [new Uint8Array([1, 2, 3, 4, 5, 250, 251]), new TextEncoder().encode('not a model at all'), new Uint8Array()]) {
    assert.throws(() => readModel(junk), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CORRUPT_FILE');
  }
  const good = mlpModel(mlpWeights([4, 3], 1));
  assert.throws(() => readModel(good.subarray(0, good.length - 9)), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CORRUPT_FILE');
});

test('the builder rejects dangling value names and wrong element counts', () => {
  const g = new GraphBuilder();
  g.input('x', 'float32', ['N', 2]);
  g.node('Relu', ['nope'], {}, ['y']);
  g.output('y', 'float32', ['N', 2]);
  assert.throws(() => g.toBytes(), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT');
  const h = new GraphBuilder();
  h.input('x', 'float32', [2]);
  h.initializer('w', { dtype: 'float32', dims: [3], data: new Float32Array(2) });
  h.node('Add', ['x', 'w'], {}, ['y']);
  h.output('y', 'float32', [2]);
  assert.throws(() => h.toBytes(), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_SHAPE_MISMATCH');
});
