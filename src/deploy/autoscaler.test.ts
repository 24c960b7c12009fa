// Autoscaler decisions: target tracking, clamping, delays against flapping, scale to and from zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Autoscaler } from './autoscaler.js';

const spec = { minReplicas: 1, maxReplicas: 5, targetOngoing: 2, upscaleDelayMs: 1000, downscaleDelayMs: 3000, lookbackMs: 2000 };

test('scales up to ceil(ongoing/target) only after the upscale delay, clamped to max', () => {
  const a = new Autoscaler({ ...spec });
  for (let t = 0; t <= 900; t += 100) {
    a.record(t, 7);
    assert.equal(a.decide(t, 1), 1, `too early at ${t} ms`);
  }
  a.record(1000, 7);
  assert.equal(a.decide(1000, 1), 4);
  const b = new Autoscaler({ ...spec });
  b.record(0, 100);
  b.decide(0, 1);
  b.record(1000, 100);
  assert.equal(b.decide(1000, 1), 5, 'clamped to maxReplicas');
});

test('a short burst does not scale up; a dip resets the upscale timer', () => {
  const a = new Autoscaler({ ...spec, lookbackMs: 100 });
  a.record(0, 9);
  assert.equal(a.decide(0, 1), 1);
  a.record(500, 0);
  assert.equal(a.decide(500, 1), 1);
  a.record(1200, 9);
  assert.equal(a.decide(1200, 1), 1, 'timer restarted at 1200');
  a.record(2200, 9);
  assert.equal(a.decide(2200, 1), 5);
});

test('scales down after the downscale delay, at most halving, never below min', () => {
  const a = new Autoscaler({ ...spec });
  let t = 0;
  let n = 4;
  for (; t <= 20_000 && n > 1; t += 250) {
    a.record(t, 0);
    const next = a.decide(t, n);
    if (next !== n) {
      assert.ok(next >= Math.floor(n / 2) && next >= 1, `went from ${n} to ${next}`);
      assert.ok(t >= 3000, 'not before the downscale delay');
      n = next;
    }
  }
  assert.equal(n, 1);
  a.record(t, 0);
  assert.equal(a.decide(t + 10_000, 1), 1);
});

test('scale to zero when min is 0, and back to one at once on demand', () => {
  const a = new Autoscaler({ ...spec, minReplicas: 0, downscaleDelayMs: 500, lookbackMs: 200 });
  a.record(0, 0);
  a.decide(0, 1);
  a.record(600, 0);
  assert.equal(a.decide(600, 1), 0);
  a.demand(700);
  assert.equal(a.decide(700, 0), 1, 'no upscale delay from zero');
});
