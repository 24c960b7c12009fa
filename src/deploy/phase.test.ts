// The deployment phase from a synthetic restart history: crash looping is judged on deaths within a
// window since the last stable readiness, so relaunches in backoff do not flip it (issue 21 defect 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCrashLooping, phaseOf, RestartHistory, type PhaseInput } from './phase.js';

const policy = { threshold: 3, windowMs: 10_000, stableMs: 5_000 };

function input(extra: Partial<PhaseInput>): PhaseInput {
  return {
    closed: false,
    updating: false,
    desired: 1,
    replicas: 1,
    ready: 0,
    troubled: true,
    history: { crashes: [], readySpans: [] },
    now: 0,
    policy,
    ...extra,
  };
}

test('issue21/9: CrashLooping holds across relaunches: relaunching, starting or crashed again', () => {
  const h = new RestartHistory(policy.stableMs);
  // a replica that dies 1 s after each start, relaunched after a growing backoff
  let t = 0;
  const seen: string[] = [];
  for (const backoff of [100, 200, 400, 800, 1600, 3200, 6400]) {
    t += 1000;
    h.crash('r1', t);
    // sample the phase through the backoff and the next start, as the supervisor relaunches
    for (let dt = 0; dt < backoff + 1000; dt += 50) seen.push(phaseOf(input({ history: h.snapshot(), now: t + dt })));
    t += backoff;
  }
  const firstLoop = seen.indexOf('CrashLooping');
  assert.ok(firstLoop > 0, 'becomes CrashLooping after the third death');
  assert.deepEqual(new Set(seen.slice(0, firstLoop)), new Set(['Degraded']));
  assert.deepEqual(new Set(seen.slice(firstLoop)), new Set(['CrashLooping']), 'never flips back while it keeps dying');
});

test('issue21/9: the verdict needs threshold deaths within the window', () => {
  assert.equal(isCrashLooping({ crashes: [0, 1000], readySpans: [] }, 2000, policy), false, 'two deaths are not a loop');
  assert.equal(isCrashLooping({ crashes: [0, 1000, 2000], readySpans: [] }, 2000, policy), true);
  assert.equal(isCrashLooping({ crashes: [0, 6000, 12_000], readySpans: [] }, 12_000, policy), false, 'spread wider than the window');
  // backoff grows past the window later on: the loop seen earlier still stands
  assert.equal(isCrashLooping({ crashes: [0, 1000, 2000, 40_000], readySpans: [] }, 60_000, policy), true);
  assert.equal(isCrashLooping({ crashes: [0, 1000, 2000], readySpans: [] }, 1500, policy), false, 'the future does not count');
});

test('issue21/9: a replica ready for the stable period ends the crash loop; a short readiness does not', () => {
  const h = new RestartHistory(policy.stableMs);
  for (const t of [0, 1000, 2000]) h.crash('r1', t);
  h.ready('r1', 3000);
  // ready now: the phase follows the counts (Running), whatever the history
  assert.equal(phaseOf(input({ history: h.snapshot(), now: 3500, ready: 1 })), 'Running');
  h.crash('r1', 4000); // ready only 1 s, then died again
  assert.equal(phaseOf(input({ history: h.snapshot(), now: 4100 })), 'CrashLooping', 'a short readiness proves nothing');
  h.ready('r1', 5000);
  h.crash('r1', 11_000); // ready 6 s (≥ stableMs) before this death
  assert.equal(phaseOf(input({ history: h.snapshot(), now: 11_100 })), 'Degraded', 'stable readiness cleared the history');
  h.crash('r1', 12_000);
  h.crash('r1', 13_000);
  assert.equal(phaseOf(input({ history: h.snapshot(), now: 13_100 })), 'CrashLooping', 'three new deaths after it');
});

test('issue21/9: one stable replica keeps a deployment out of CrashLooping while another one dies', () => {
  const h = new RestartHistory(policy.stableMs);
  h.ready('good', 0);
  for (const t of [6000, 7000, 8000, 9000]) h.crash('bad', t);
  assert.equal(phaseOf(input({ history: h.snapshot(), now: 9100, desired: 2, replicas: 2, ready: 1 })), 'Degraded');
});

test('phase precedence: stopped, crash loop, update, scaled to zero, running, degraded, pending', () => {
  const looping = { crashes: [0, 1, 2], readySpans: [] };
  assert.equal(phaseOf(input({ closed: true, history: looping, now: 10 })), 'Stopped');
  assert.equal(phaseOf(input({ updating: true, history: looping, now: 10 })), 'CrashLooping');
  assert.equal(phaseOf(input({ updating: true, now: 10 })), 'Updating');
  assert.equal(phaseOf(input({ desired: 0, replicas: 0, history: looping, now: 10 })), 'ScaledToZero', 'nothing wanted: no crash loop');
  assert.equal(phaseOf(input({ ready: 1, history: looping, now: 10 })), 'Running', 'all wanted replicas ready');
  assert.equal(phaseOf(input({ now: 10 })), 'Degraded');
  assert.equal(phaseOf(input({ troubled: false, now: 10 })), 'Pending');
});
