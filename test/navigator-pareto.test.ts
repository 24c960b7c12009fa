// The navigator's decision logic on synthetic measurements: pricing, dominance, the Pareto front,
// the recommendation (cheapest meeting floor and p99, copies for throughput) and the reasons others lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costPerMillion, dominates, judge, paretoFront, recommend, type PricedPoint, type Targets } from '../src/navigator/index.js';

function pt(variant: string, accuracy: number, p99Ms: number, cost: number, extra: Partial<PricedPoint> = {}): PricedPoint {
  return {
    variant,
    config: { threads: 1, replicas: 1, maxBatch: 16, maxWaitMs: 1 },
    rps: 2000,
    p50Ms: p99Ms / 3,
    p99Ms,
    coresUsed: 1,
    peakRssMb: 100,
    requests: 6000,
    errors: 0,
    probeOnly: false,
    accuracy,
    costPerMillion: cost,
    ...extra,
  };
}

const targets: Targets = { minAccuracy: 0.88, p99Ms: 10, rps: 2000 };

test('cost per million requests follows cores × price ÷ throughput', () => {
  // 1 core at $0.036/h serving 1000 req/s: $0.036 / 3.6M requests = $0.01 per million.
  assert.ok(Math.abs(costPerMillion(1, 1000, 0.036) - 0.01) < 1e-12);
  assert.ok(Math.abs(costPerMillion(2, 1000, 0.036) - 0.02) < 1e-12);
  assert.equal(costPerMillion(1, 0, 0.04), Infinity);
});

test('dominance and the Pareto front over accuracy, p99 and cost', () => {
  const a = pt('a', 0.9, 5, 1);
  const b = pt('b', 0.9, 6, 2); // worse than a on p99 and cost
  const c = pt('c', 0.95, 8, 3); // most accurate: stays
  const d = pt('d', 0.85, 2, 0.5); // cheapest and fastest: stays
  const e = pt('e', 0.99, 1, 0.1, { probeOnly: true }); // a probe is never on the front
  assert.ok(dominates(a, b) && !dominates(b, a) && !dominates(a, c) && !dominates(a, a));
  const front = paretoFront([a, b, c, d, e]).map((p) => p.variant).sort();
  assert.deepEqual(front, ['a', 'c', 'd']);
});

test('the recommendation is the cheapest point meeting floor and p99, with reasons for the rest', () => {
  const points = [
    pt('original', 0.9, 9, 2.0),
    pt('original', 0.9, 30, 0.8),
    pt('int8', 0.895, 6, 1.0),
    pt('tiny', 0.8, 2, 0.3), // cheapest, but under the floor
    pt('slow', 0.91, 25, 0.5), // cheap, but misses p99
  ];
  const r = recommend(points, targets);
  assert.equal(r.pick?.point.variant, 'int8');
  assert.equal(r.pick?.copies, 1);
  assert.match(r.text, /int8/);
  const why = Object.fromEntries(r.others.map((o) => [o.variant, o.reasons.join('; ')]));
  assert.match(why['original']!, /100% more/);
  assert.match(why['tiny']!, /accuracy 80\.00% < floor 88\.00%/);
  assert.match(why['slow']!, /p99 25\.00 ms > target 10 ms/);
});

test('throughput short of the target is met by copies of the setting', () => {
  const v = judge(pt('x', 0.9, 5, 1, { rps: 500 }), targets);
  assert.ok(v.meets);
  assert.equal(v.copies, 4);
  assert.equal(judge(pt('x', 0.9, 5, 1, { rps: 1970 }), targets).copies, 1);
  const r = recommend([pt('x', 0.9, 5, 1, { rps: 500 })], targets);
  assert.match(r.text, /needs 4 copies/);
});

test('failed requests and an empty field give no pick and a clear text', () => {
  const bad = pt('x', 0.95, 5, 1, { errors: 500, requests: 1000 });
  assert.ok(!judge(bad, targets).meets);
  const r = recommend([bad, pt('y', 0.5, 50, 1)], targets);
  assert.equal(r.pick, null);
  assert.match(r.text, /No measured configuration/);
  assert.equal(r.others.length, 2);
  assert.equal(recommend([], targets).pick, null);
});
