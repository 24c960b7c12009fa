import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevisionSplit, RevisionWindow } from './revisions.js';

const share = (picks: string[], rev: string): number => (100 * picks.filter((p) => p === rev).length) / picks.length;

test('the share holds within ±2 points over 5,000 picks, for several weights', () => {
  for (const canary of [1, 10, 25, 50, 90]) {
    const s = new RevisionSplit([{ revision: 'stable', weight: 100 - canary }, { revision: 'canary', weight: canary }]);
    const picks = Array.from({ length: 5000 }, () => s.pick());
    assert.ok(Math.abs(share(picks, 'canary') - canary) <= 2, `canary ${canary}%: got ${share(picks, 'canary')}%`);
  }
});

test('smooth: every window of 100 picks carries the weight exactly (no bursts)', () => {
  const s = new RevisionSplit([{ revision: 'stable', weight: 90 }, { revision: 'canary', weight: 10 }]);
  const picks = Array.from({ length: 1000 }, () => s.pick());
  for (let i = 0; i + 100 <= picks.length; i += 100) assert.equal(picks.slice(i, i + 100).filter((p) => p === 'canary').length, 10);
  // the canary's turns are spread out, never back to back at 10%
  for (let i = 1; i < picks.length; i++) assert.ok(!(picks[i] === 'canary' && picks[i - 1] === 'canary'));
});

test('deterministic: two splits with the same weights pick the same sequence', () => {
  const a = new RevisionSplit([{ revision: 's', weight: 70 }, { revision: 'c', weight: 30 }]);
  const b = new RevisionSplit([{ revision: 's', weight: 70 }, { revision: 'c', weight: 30 }]);
  assert.deepEqual(Array.from({ length: 200 }, () => a.pick()), Array.from({ length: 200 }, () => b.pick()));
});

test('affinity keys stay on one revision, share near the weight, and stay when the canary grows', () => {
  const s10 = new RevisionSplit([{ revision: 'stable', weight: 90 }, { revision: 'canary', weight: 10 }]);
  const s30 = new RevisionSplit([{ revision: 'stable', weight: 70 }, { revision: 'canary', weight: 30 }]);
  const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
  const first = keys.map((k) => s10.pick(k));
  for (let round = 0; round < 3; round++) assert.deepEqual(keys.map((k) => s10.pick(k)), first, 'the same key, the same revision');
  assert.ok(Math.abs(share(first, 'canary') - 10) <= 2, `keys on canary: ${share(first, 'canary')}%`);
  keys.forEach((k, i) => {
    if (first[i] === 'canary') assert.equal(s30.pick(k), 'canary', `${k} left the canary when its weight grew`);
  });
});

test('weight 0 never picks that revision; 100 always does', () => {
  const s = new RevisionSplit([{ revision: 'stable', weight: 100 }, { revision: 'canary', weight: 0 }]);
  for (let i = 0; i < 500; i++) assert.equal(s.pick(i % 2 === 0 ? undefined : `k${i}`), 'stable');
});

test('the window summarises only its span: error rate and p99', () => {
  const w = new RevisionWindow();
  for (let i = 0; i < 100; i++) w.record(1000 + i, i % 10 === 0, i + 1);
  const all = w.summary(1100, 1000);
  assert.equal(all.requests, 100);
  assert.equal(all.errors, 10);
  assert.equal(all.errorRate, 0.1);
  assert.equal(all.p99Ms, 99);
  const recent = w.summary(1100, 50); // outcomes at 1050..1099
  assert.equal(recent.requests, 50);
  assert.equal(recent.errors, 5);
  assert.deepEqual(w.summary(5000, 10), { requests: 0, errors: 0, errorRate: 0, p99Ms: 0 });
});
