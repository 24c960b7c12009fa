// End-to-end autoscaling on average ongoing requests: up under load, back down after it, then
// scale to zero and back from zero on the first request (which waits for its replica).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addTinyPhoton, api, authHeaders, startLoad, startTestPlatform, TINY_BODY, waitUntil, type TestPlatform } from './platform-helpers.js';

let p: TestPlatform;
before(async () => {
  // closed-loop load from one token may exceed the default per-token rate limit (tested in security-platform)
  p = await startTestPlatform({ controlPlane: { sampleMs: 50, decideMs: 250 }, security: { rateLimit: false } });
  await addTinyPhoton(p, '1');
});
after(() => p.dispose());

test('scales up under load and back down after it; scales to zero and back on demand', { timeout: 150_000 }, async () => {
  const autoscaling = { minReplicas: 1, maxReplicas: 3, targetOngoing: 1, upscaleDelayMs: 300, downscaleDelayMs: 1500, lookbackMs: 1000 };
  const r = await api(p, 'POST', '/deployments', { name: 'auto', photon: 'tiny', autoscaling });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  await p.controlPlane.waitReady('auto', 60_000);
  const status = () => p.controlPlane.getDeployment('auto').status;
  assert.equal(status().desiredReplicas, 1);

  const load = startLoad(`${p.url}/deployments/auto/predict`, 12, authHeaders(p));
  await waitUntil(() => status().readyReplicas >= 2, 60_000, 'a scale-up to at least 2 ready replicas');
  const res = await load.stop();
  assert.equal(res.failed, 0, `failures: ${res.failures.join(' | ')}`);
  assert.ok(status().desiredReplicas >= 2 && status().desiredReplicas <= 3);

  await waitUntil(() => status().desiredReplicas === 1 && status().replicas.length === 1, 30_000, 'a scale-down to 1');
  const events = (await api(p, 'GET', '/events?deployment=auto')).json['events'] as Array<{ type: string; message: string }>;
  const scaled = events.filter((e) => e.type === 'scaled').map((e) => e.message);
  assert.ok(scaled.some((m) => m.startsWith('1 → ')), `no scale-up event in ${scaled.join('; ')}`);
  assert.ok(scaled.some((m) => / → 1 /.test(m)), `no scale-down event in ${scaled.join('; ')}`);

  const z = await api(p, 'PATCH', '/deployments/auto', { autoscaling: { minReplicas: 0, downscaleDelayMs: 500 } });
  assert.equal(z.status, 202, JSON.stringify(z.json));
  await waitUntil(() => status().phase === 'ScaledToZero', 30_000, 'scale to zero');
  const first = await fetch(`${p.url}/deployments/auto/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(p) }, body: TINY_BODY });
  assert.equal(first.status, 200, await first.clone().text());
  assert.equal(status().readyReplicas, 1);
});
