// The LFL1 codec: round trip, strict length checks, and arrays decoded from a pooled Buffer body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBundle, encodeBundle, requireArray } from './codec.js';

test('round trip of f32 and u32 arrays with meta', () => {
  const f = Float32Array.of(1.5, -2, NaN);
  const u = Uint32Array.of(0, 2 ** 32 - 1);
  const b = decodeBundle(encodeBundle({ meta: { round: '1.0', n: 3 }, arrays: [{ name: 'a', data: f }, { name: 'b', data: u }] }));
  assert.deepEqual(b.meta, { round: '1.0', n: 3 });
  assert.deepEqual(requireArray(b, 'a', 'f32', 3), f);
  assert.deepEqual(requireArray(b, 'b', 'u32', 2), u);
  assert.throws(() => requireArray(b, 'a', 'f32', 4), /has 3 values/);
  assert.throws(() => requireArray(b, 'b', 'f32', 2), /must be f32/);
});

test('arrays come out right from a Buffer that is a slice of a larger pool (as HTTP bodies are)', () => {
  const enc = encodeBundle({ meta: {}, arrays: [{ name: 'x', data: Float32Array.of(7, 8, 9) }] });
  const pool = Buffer.alloc(enc.length + 13);
  pool.set(enc, 13);
  const body = pool.subarray(13);
  assert.deepEqual([...requireArray(decodeBundle(body), 'x', 'f32', 3)], [7, 8, 9]);
});

test('truncated, padded or foreign bodies are refused', () => {
  const enc = encodeBundle({ meta: {}, arrays: [{ name: 'x', data: new Float32Array(4) }] });
  assert.throws(() => decodeBundle(enc.subarray(0, enc.length - 4)), /runs past the end/);
  assert.throws(() => decodeBundle(Buffer.concat([enc, Buffer.alloc(4)])), /trailing bytes/);
  assert.throws(() => decodeBundle(Buffer.from('{"json": true}')), /magic/);
});
