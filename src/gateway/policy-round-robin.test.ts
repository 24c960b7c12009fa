// Round-robin specifics beyond the shared suite (strict rotation, nginx smooth weighted order), plus affinity by cookie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRobinPolicy } from './policy-round-robin.js';
import { makeReplicas } from './policy.conformance.js';

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

test('affinity reads the key from a cookie when configured', async () => {
  const { AffinityPolicy } = await import('./policy-affinity.js');
  const p = new AffinityPolicy({ cookie: 'sid' });
  const rs = makeReplicas(4);
  const pick = (cookie: string): string | undefined => p.pick({ headers: { cookie } }, rs)?.id;
  const first = pick('theme=dark; sid=user-42');
  for (let i = 0; i < 10; i++) assert.equal(pick(`sid=user-42; other=${i}`), first);
  assert.equal(p.keyOf({ headers: { cookie: 'theme=dark' } }), undefined);
  assert.equal(p.keyOf({ headers: { 'x-session-id': 'h', cookie: 'sid=c' } }), 'h', 'the header wins');
});
