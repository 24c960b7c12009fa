// Retry budget and outlier ejection: the arithmetic that bounds retries and ejection time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBudget } from './retry-budget.js';
import { OutlierDetector, newOutlierState } from './outlier.js';

test('retry budget allows at most ratio × requests plus the floor, then refills as the window moves', () => {
  let now = 1_000_000;
  const b = new RetryBudget({ ratio: 0.2, minPerSecond: 0, windowSeconds: 10 }, () => now);
  for (let i = 0; i < 100; i++) b.recordRequest();
  let granted = 0;
  while (b.tryRetry()) granted++;
  assert.equal(granted, 20);
  now += 11_000; // the whole window has passed
  assert.equal(b.tryRetry(), false, 'no traffic in the window, no floor: no retries');
  for (let i = 0; i < 10; i++) b.recordRequest();
  assert.equal(b.tryRetry(), true);
  assert.equal(b.tryRetry(), true);
  assert.equal(b.tryRetry(), false);
});

test('retry budget floor lets a quiet deployment retry', () => {
  const b = new RetryBudget({ ratio: 0.2, minPerSecond: 1, windowSeconds: 5 }, () => 0);
  b.recordRequest();
  let granted = 0;
  while (b.tryRetry()) granted++;
  assert.equal(granted, 5);
});

test('outlier ejection triggers on the streak and lasts longer on each repeat, up to the cap', () => {
  const d = new OutlierDetector({ consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 2500 });
  const s = newOutlierState();
  let now = 0;
  const fail = (): number => d.onFailure(s, now, 0, 4);
  assert.equal(fail(), 0);
  assert.equal(fail(), 0);
  assert.equal(fail(), 1000);
  now += 1500;
  d.onSuccess(s);
  assert.equal(fail(), 0, 'a success reset the streak');
  fail();
  assert.equal(fail(), 2000);
  now += 3000;
  fail();
  fail();
  assert.equal(fail(), 2500, 'capped at maxEjectionMs');
});

test('outlier ejection never takes out more than the allowed fraction', () => {
  const d = new OutlierDetector({ consecutiveFailures: 1, maxEjectionFraction: 0.5 });
  assert.equal(d.onFailure(newOutlierState(), 0, 1, 2), 0, '1 of 2 already ejected');
  assert.ok(d.onFailure(newOutlierState(), 0, 0, 2) > 0);
  assert.ok(d.onFailure(newOutlierState(), 0, 0, 1) > 0, 'a lone replica may still be ejected');
});
