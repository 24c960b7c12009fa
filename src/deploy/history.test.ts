// The console's metrics history: percentiles from histogram bucket deltas, requests/s and error
// classes from counter deltas, per deployment and per replica, trimmed to its window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { GatewayMetrics } from '../gateway/metrics.js';
import { MetricsHistory, quantileMs } from './history.js';

test('quantileMs interpolates inside the bucket that holds the rank', () => {
  // 10 requests: 5 under 10 ms, 4 more under 50 ms, 1 over 10 s
  const b = new Map([[0.01, 5], [0.05, 9], [10, 9], [Infinity, 10]]);
  assert.equal(quantileMs(b, 0.5), 10);
  assert.ok(Math.abs(quantileMs(b, 0.7)! - 30) < 1e-9, String(quantileMs(b, 0.7)));
  assert.equal(quantileMs(b, 0.99), 10_000, 'the +Inf bucket reports the largest finite bound');
  assert.equal(quantileMs(new Map([[0.01, 0], [Infinity, 0]]), 0.5), null);
});

test('each sample is the last second: rates, error classes and latency per deployment and replica', async () => {
  const metrics = new GatewayMetrics(new Registry());
  let now = 1_000_000;
  const h = new MetricsHistory({
    gateway: { metrics, stats: () => ({ inFlight: 3, queued: 1, replicas: [{ id: 'r1', origin: '', inFlight: 2, healthy: true, draining: false, ejected: false }, { id: 'r2', origin: '', inFlight: 1, healthy: true, draining: false, ejected: false }] }) },
    deployments: () => [{ name: 'd', desired: 2, ready: 2 }],
  }, { capacity: 3, clock: () => now });
  const seen: number[] = [];
  h.subscribe((s) => seen.push(s.deployments['d']!.rps));
  await h.sample(); // the baseline: nothing counted yet
  for (let i = 0; i < 8; i++) {
    metrics.requests.inc({ deployment: 'd', replica: 'r1', code: '200' });
    metrics.duration.observe({ deployment: 'd', replica: 'r1' }, 0.004);
  }
  metrics.requests.inc({ deployment: 'd', replica: 'r2', code: '503' });
  metrics.requests.inc({ deployment: 'd', replica: 'r2', code: '400' });
  metrics.duration.observe({ deployment: 'd', replica: 'r2' }, 0.2);
  now += 2000;
  await h.sample();
  const last = h.deployment('d')!.points.at(-1)!;
  assert.deepEqual({ rps: last.rps, e4: last.errors4xx, e5: last.errors5xx, inFlight: last.inFlight, queued: last.queued, desired: last.desired, ready: last.ready },
    { rps: 5, e4: 0.5, e5: 0.5, inFlight: 3, queued: 1, desired: 2, ready: 2 });
  assert.ok(last.p50! > 2.5 && last.p50! <= 5, `p50 ${last.p50}`);
  assert.ok(last.p99! > 100 && last.p99! <= 250, `p99 ${last.p99}`);
  const r2 = h.deployment('d')!.replicas['r2']!.at(-1)!;
  assert.deepEqual([r2.rps, r2.errors5xx, r2.inFlight], [1, 0.5, 1]);
  now += 1000;
  await h.sample();
  assert.equal(h.deployment('d')!.points.at(-1)!.rps, 0, 'nothing new: zero, not the total');
  assert.equal(h.deployment('d')!.points.at(-1)!.p99, null);
  assert.deepEqual(seen, [0, 5, 0]);
  h.stop();
});
