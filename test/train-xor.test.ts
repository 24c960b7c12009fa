// The from-scratch example: the 2-2-1 network learns XOR with its fixed seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainXor, XOR_TARGETS } from '../examples/xor.js';

test('examples/xor.ts learns XOR', () => {
  const { predictions, loss } = trainXor();
  assert.ok(loss < 0.01, `loss ${loss}`);
  predictions.forEach((p, i) => assert.equal(Math.round(p), XOR_TARGETS[i], `input ${i}: ${p}`));
});
