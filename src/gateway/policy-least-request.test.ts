// Least-request specifics beyond the shared suite: the latency charge, shunning a latency outlier,
// and its bounded probes, with costs computed by hand and routing checked on a simulated clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { LeastRequestPolicy, PROBE_INTERVAL_MS, PROBE_SHARE, SPILL_DEPTH } from './policy-least-request.js';
import { makeReplicas } from './policy.conformance.js';
import { simulate } from './policy-sim.js';

function share(p: LeastRequestPolicy, rs: ReturnType<typeof makeReplicas>, id: string, n = 1000): number {
  let hits = 0;
  for (let i = 0; i < n; i++) if (p.pick({ headers: {} }, rs)!.id === id) hits++;
  return hits / n;
}

test('a replica under twice its rival’s latency is costed: (inFlight+1) × latency', () => {
  const p = new LeastRequestPolicy(new Rng(1), () => 0);
  const [fast, slow] = makeReplicas(2);
  p.onDone(fast!, { ok: true, latencyMs: 10 });
  p.onDone(slow!, { ok: true, latencyMs: 15 });
  assert.equal(share(p, [fast!, slow!], 'r0'), 1); // 1×10 < 1×15
  fast!.inFlight = 1; // 2×10 = 20 > 1×15
  assert.equal(share(p, [fast!, slow!], 'r1'), 1);
});

test('a latency outlier (≥ 2× its rival) is shunned whatever the rival’s depth, until the rival saturates', () => {
  const p = new LeastRequestPolicy(new Rng(1), () => 0);
  const [fast, slow] = makeReplicas(2);
  p.onDone(fast!, { ok: true, latencyMs: 5 });
  p.onDone(slow!, { ok: true, latencyMs: 25 });
  fast!.inFlight = 5; // the old cost, 6×5 = 30 > 25, sent this to the slow one
  assert.equal(share(p, [fast!, slow!], 'r0'), 1);
  fast!.inFlight = SPILL_DEPTH; // saturated: the outlier takes overflow
  assert.equal(share(p, [fast!, slow!], 'r1'), 1);
});

test('time alone does not re-admit a shunned replica, and one fast answer moves it by at most 10%', () => {
  let t = 0;
  const p = new LeastRequestPolicy(new Rng(4), () => t);
  const [fast, slow] = makeReplicas(2);
  p.onDone(fast!, { ok: true, latencyMs: 5 });
  p.onDone(slow!, { ok: true, latencyMs: 25 });
  t = 30_000; // 30 s unrefreshed: the old policy had drifted it to ≈ 5.05 and sent it everything
  p.onDone(fast!, { ok: true, latencyMs: 5 });
  fast!.inFlight = 1;
  assert.ok(share(p, [fast!, slow!], 'r1') <= PROBE_SHARE);
  p.onDone(slow!, { ok: true, latencyMs: 5 }); // 25 + (5 − 25) × 0.1 = 23 ≥ 2 × 5: still shunned
  fast!.inFlight = 0;
  assert.equal(share(p, [fast!, slow!], 'r0'), 1);
});

test('probes: only an idle shunned replica, at most one per interval and PROBE_SHARE of picks', () => {
  let t = 0;
  const p = new LeastRequestPolicy(new Rng(5), () => t);
  const [fast, slow] = makeReplicas(2);
  p.onDone(fast!, { ok: true, latencyMs: 5 });
  p.onDone(slow!, { ok: true, latencyMs: 50 });
  t = PROBE_INTERVAL_MS; // due now
  const picks: string[] = [];
  for (let i = 0; i < 200; i++) picks.push(p.pick({ headers: {} }, [fast!, slow!])!.id);
  // Credit 0.02 per pick reaches 1 at pick 50; one probe, then the interval blocks the rest.
  assert.deepEqual(picks.flatMap((id, i) => (id === 'r1' ? [i] : [])), [49]);
  t += PROBE_INTERVAL_MS;
  slow!.inFlight = 1; // a probe still out: no second one
  assert.equal(share(p, [fast!, slow!], 'r1', 200), 0);
});

const slowFiveTimes = { ratePerSec: 200, durationMs: 6000, warmupMs: 1000, overheadMs: 0.3 };

test('simulated: a replica 5× slower gets no more than the probe share of 1000 picks', () => {
  for (const seed of [1, 2, 3]) {
    const clock = { t: 0 };
    const p = new LeastRequestPolicy(new Rng(seed), () => clock.t);
    const r = simulate(p, clock, { ...slowFiveTimes, seed, replicas: [{ serviceMs: 2 }, { serviceMs: 2, extraMs: () => 8 }] });
    assert.ok(r.requests >= 900, `requests ${r.requests}`);
    // One banked probe credit may fall inside the counted window: PROBE_SHARE + 1 pick.
    assert.ok(r.share[1]! <= PROBE_SHARE + 1 / r.requests, `seed ${seed}: slow share ${r.share[1]}`);
  }
});

test('simulated: a replica that recovers regains its share within a bounded time', () => {
  // B is +40 ms until 3 s, then as fast as A. From ≈ 42 ms to under 2 × A's ≈ 1.5 ms takes
  // ln(42/3)/ln(1/0.9) ≈ 25 probes at min(1 per 100 ms, 0.02 × 300/s) = 6/s: ≈ 4.2 s, then P2C
  // evens out on a 500 ms decay; so from 6 s after it recovered (window 9 s on) B has a fair share.
  for (const seed of [9, 10, 11]) {
    const clock = { t: 0 };
    const p = new LeastRequestPolicy(new Rng(seed), () => clock.t);
    const r = simulate(p, clock, {
      ratePerSec: 300,
      durationMs: 12_000,
      seed,
      replicas: [{ serviceMs: 1 }, { serviceMs: 1, extraMs: (_u, now) => (now < 3000 ? 40 : 0) }],
    });
    const bShare = (w: number[]): number => w[1]! / (w[0]! + w[1]!);
    assert.ok(bShare(r.windows[2]!) <= PROBE_SHARE + 0.005, `seed ${seed} while slow: ${bShare(r.windows[2]!)}`);
    const late = r.windows.slice(9, 12).map(bShare);
    assert.ok(late.every((s) => s >= 0.25), `seed ${seed} shares 9–12 s: ${late.join(', ')}`);
  }
});

test('simulated: even replicas near saturation keep an even split (shunning does not trip on queueing noise)', () => {
  // Each replica at ρ = 0.75 (3000 req/s × 0.5 ms over two), one of them +5 ms on 1% of answers.
  const clock = { t: 0 };
  const p = new LeastRequestPolicy(new Rng(3), () => clock.t);
  const r = simulate(p, clock, { ratePerSec: 3000, durationMs: 3000, warmupMs: 500, seed: 3, replicas: [{ serviceMs: 0.5 }, { serviceMs: 0.5, extraMs: (u) => (u < 0.01 ? 5 : 0) }] });
  assert.ok(r.share[1]! > 0.4 && r.share[1]! < 0.6, `share ${r.share[1]}`);
});

test('failed attempts do not make a replica look fast; a new replica is charged its peer’s latency', () => {
  const p = new LeastRequestPolicy(new Rng(3), () => 0);
  const [a, b] = makeReplicas(2);
  p.onDone(a!, { ok: true, latencyMs: 20 });
  p.onDone(a!, { ok: false, latencyMs: 0.1 });
  // b has no sample: charged a's 20, so at equal depth it is a fair coin, not a magnet.
  const s = share(p, [a!, b!], 'r1', 4000);
  assert.ok(s > 0.45 && s < 0.55, `new replica share ${s}`);
});
