// The gradient limiter against synthetic servers: it measures minRTT at pinned concurrency, settles
// just past a saturating server's knee (full throughput, latency near minRTT), shrinks when the
// replica slows, does not grow without demand, re-measures minRTT, and stays within its bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AdaptiveLimit, type AdaptiveLimitOptions } from './adaptive-limit.js';

interface Sim {
  limiter: AdaptiveLimit;
  clock: { t: number };
}

function sim(options: Partial<AdaptiveLimitOptions> = {}): Sim {
  const clock = { t: 0 };
  return { clock, limiter: new AdaptiveLimit(options, () => clock.t) };
}

/** Deterministic ±`jitter` noise. */
function noise(seed: number, jitter: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return 1 + jitter * ((s / 2 ** 32) * 2 - 1);
  };
}

/**
 * Closed loop for `ms`: each round, min(demand, limit) requests run together and all take
 * rttAt(concurrency) ms. Returns requests served per ms and the mean round trip.
 */
function drive(s: Sim, rttAt: (c: number) => number, demand: number, ms: number, jitter = noise(1, 0)): { perMs: number; meanRtt: number } {
  const end = s.clock.t + ms;
  let served = 0;
  let rttSum = 0;
  let rounds = 0;
  while (s.clock.t < end) {
    s.limiter.allows(0);
    const c = Math.max(1, Math.min(demand, s.limiter.limit));
    s.limiter.onStart(c);
    const rtt = rttAt(c) * jitter();
    s.clock.t += rtt;
    for (let i = 0; i < c; i++) s.limiter.onSample(rtt);
    served += c;
    rttSum += rtt;
    rounds++;
  }
  return { perMs: served / ms, meanRtt: rttSum / rounds };
}

// A replica that serves 10 requests per ms once saturated; unloaded it answers in 2 ms (knee at 20).
const saturating = (c: number): number => Math.max(2, c / 10);

test('the first minRTT is the fastest early round trip, taken without holding the deployment back', () => {
  const s = sim({ minRttSamples: 8, initialLimit: 32 });
  assert.equal(s.limiter.measuring, true);
  assert.equal(s.limiter.limit, 32);
  assert.ok(Number.isNaN(s.limiter.minRttMs));
  drive(s, saturating, 1000, 20);
  assert.equal(s.limiter.measuring, false);
  assert.equal(s.limiter.minRttMs, saturating(32));
});

test('under heavy demand it settles just past the knee: full throughput, latency near minRTT', () => {
  const s = sim({ firstProbeMs: 5000 });
  drive(s, saturating, 2000, 6000); // warm up, past the first pinned minRTT measurement
  const r = drive(s, saturating, 2000, 3000, noise(7, 0.2));
  assert.ok(r.perMs >= 9.5, `throughput ${r.perMs}/ms, capacity 10/ms`);
  assert.ok(r.meanRtt < 2 * 2.5, `mean rtt ${r.meanRtt} ms (unloaded 2 ms)`);
  assert.ok(s.limiter.limit >= 20 && s.limiter.limit <= 80, `limit ${s.limiter.limit}`);
  // what a fixed cap of the whole demand would have given: same throughput, 50× the latency
  assert.ok(saturating(2000) > 40 * r.meanRtt);
});

test('a replica that slows down gets a lower limit; the limit recovers when it is fast again', () => {
  const s = sim();
  drive(s, saturating, 2000, 2000);
  const before = s.limiter.limit;
  drive(s, (c) => Math.max(2, c / 2.5), 2000, 500); // four times slower per request, same minRTT
  const slowed = s.limiter.limit;
  assert.ok(slowed < before / 2, `limit ${before} → ${slowed}`);
  drive(s, saturating, 2000, 2000);
  assert.ok(s.limiter.limit >= 20, `recovered to ${s.limiter.limit}`);
});

test('the limit does not grow without demand (app-limited)', () => {
  const s = sim({ initialLimit: 32 });
  drive(s, saturating, 3, 5000);
  assert.ok(s.limiter.limit <= 32, `limit ${s.limiter.limit}`);
});

test('minRTT is re-measured after the interval, at pinned concurrency', () => {
  const s = sim({ minRttIntervalMs: 1000, minRttConcurrency: 2 });
  drive(s, saturating, 2000, 500);
  const first = s.limiter.minRttMs; // taken under the initial burst of 32: an overestimate
  assert.ok(first > 2);
  drive(s, saturating, 2000, 600);
  assert.equal(s.limiter.minRttMs, 2, 'the pinned probe found the unloaded latency');
  s.clock.t += 1000;
  assert.equal(s.limiter.allows(100), false, 'a probe pins concurrency');
  assert.equal(s.limiter.limit, 2);
  drive(s, (c) => Math.max(5, c / 10), 2000, 500); // the model got slower at any load
  assert.equal(s.limiter.minRttMs, 5);
});

test('bounds hold and bad samples are ignored', () => {
  const s = sim({ minLimit: 6, maxLimit: 40 });
  drive(s, () => 1, 5000, 3000); // never saturates: the limit would grow forever
  assert.equal(s.limiter.limit, 40);
  drive(s, (c) => 1 + c, 5000, 3000); // latency grows with every request: shrinks to the floor
  assert.equal(s.limiter.limit, 6);
  s.limiter.onSample(NaN);
  s.limiter.onSample(-1);
  s.limiter.onSample(Infinity);
  assert.ok(Number.isFinite(s.limiter.expectedRttMs));
});

test('a first minRTT taken under load is lowered by faster windows and by the early pinned probe', () => {
  const s = sim({ firstProbeMs: 1000, minRttIntervalMs: 60_000 });
  drive(s, () => 10, 2000, 50); // first estimate under a burst: 10 ms
  assert.equal(s.limiter.minRttMs, 10);
  drive(s, () => 4, 2000, 300); // service is faster than that: the windows say so
  assert.equal(s.limiter.minRttMs, 4);
  drive(s, saturating, 2000, 1000); // the pinned probe after firstProbeMs finds the unloaded 2 ms
  assert.equal(s.limiter.minRttMs, 2);
});
