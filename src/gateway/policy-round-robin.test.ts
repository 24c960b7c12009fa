// Round-robin specifics beyond the shared suite: strict rotation and nginx's smooth weighted order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRobinPolicy } from './policy-round-robin.js';
import { makeReplicas } from './policy-conformance.js';

test('rotates strictly over equal replicas', () => {
  const p = new RoundRobinPolicy();
  const rs = makeReplicas(3);
  const seq = Array.from({ length: 9 }, () => p.pick({ headers: {} }, rs)!.id);
  assert.deepEqual(seq, ['r0', 'r1', 'r2', 'r0', 'r1', 'r2', 'r0', 'r1', 'r2']);
});

test('interleaves weights smoothly (5:1:1 → a a b a c a a)', () => {
  const p = new RoundRobinPolicy();
  const rs = makeReplicas(3, [5, 1, 1]);
  const seq = Array.from({ length: 7 }, () => p.pick({ headers: {} }, rs)!.id).join(' ');
  assert.equal(seq, 'r0 r0 r1 r0 r2 r0 r0');
});

test('skips an unhealthy replica without breaking the rotation of the others', () => {
  const p = new RoundRobinPolicy();
  const rs = makeReplicas(3);
  rs[1]!.healthy = false;
  const seq = Array.from({ length: 4 }, () => p.pick({ headers: {} }, rs)!.id);
  assert.deepEqual(seq, ['r0', 'r2', 'r0', 'r2']);
});
