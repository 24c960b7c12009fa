// End-to-end faults under load: kill -9 a replica (retries hide it, the supervisor brings it back)
// and a rolling update to a new photon version — zero failed client requests in both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addTinyPhoton, api, authHeaders, sleep, startLoad, startTestPlatform, waitUntil, type TestPlatform } from './platform-helpers.js';

let p: TestPlatform;
before(async () => {
  // closed-loop load from one token runs far above the default per-token rate limit (tested in security-platform)
  p = await startTestPlatform({ security: { rateLimit: false } });
  await addTinyPhoton(p, '1');
  await addTinyPhoton(p, '2');
  const r = await api(p, 'POST', '/deployments', { name: 'tiny', photon: 'tiny@1', replicas: 2 });
  assert.equal(r.status, 201);
  await p.controlPlane.waitReady('tiny', 60_000);
});
after(() => p.dispose());

const status = () => p.controlPlane.getDeployment('tiny').status;

test('kill -9 of a replica under load: no failed request, and the replica comes back', { timeout: 90_000 }, async () => {
  const load = startLoad(`${p.url}/deployments/tiny/predict`, 8, authHeaders(p));
  await sleep(700);
  // Kill the replica carrying the traffic, so the kill lands on requests in flight: least-request may
  // keep a replica that was slow to warm up on probes only for a while (policy-least-request.ts).
  const inFlightSeen = new Map<string, number>();
  for (let i = 0; i < 10; i++) {
    for (const r of p.gateway.stats('tiny')?.replicas ?? []) inFlightSeen.set(r.id, (inFlightSeen.get(r.id) ?? 0) + r.inFlight);
    await sleep(20);
  }
  const busiest = [...inFlightSeen].sort((a, b) => b[1] - a[1])[0]?.[0];
  const victim = status().replicas.find((r) => r.id === busiest) ?? status().replicas[0]!;
  assert.ok(victim.pid);
  process.kill(victim.pid, 'SIGKILL');
  await waitUntil(() => {
    const r = status().replicas.find((x) => x.id === victim.id);
    return r !== undefined && r.restarts >= 1 && r.state === 'ready';
  }, 60_000, 'the killed replica to restart');
  const before = (await api(p, 'GET', '/deployments/tiny/replicas')).json['replicas'] as Array<{ id: string; pid: number }>;
  assert.notEqual(before.find((r) => r.id === victim.id)!.pid, victim.pid, 'a new process');
  await sleep(700);
  const res = await load.stop();
  assert.equal(res.failed, 0, `failures: ${res.failures.join(' | ')}`);
  assert.ok(res.ok > 50, `only ${res.ok} requests succeeded`);
  assert.ok((res.byReplica.get(victim.id) ?? 0) > 0, 'the restarted replica serves again');
  const events = (await api(p, 'GET', '/events?deployment=tiny')).json['events'] as Array<{ type: string }>;
  assert.ok(events.some((e) => e.type === 'replica-crashed'));
  const metrics = await (await fetch(`${p.url}/metrics`, { headers: authHeaders(p) })).text();
  assert.match(metrics, /lepton_gateway_retries_total\{deployment="tiny",reason="[a-z_]+"\} [1-9]/);
});

test('rolling update under load: zero failures, traffic moves to the new version', { timeout: 120_000 }, async () => {
  const load = startLoad(`${p.url}/deployments/tiny/predict`, 8, authHeaders(p));
  await sleep(500);
  const oldIds = new Set(status().replicas.map((r) => r.id));
  const r = await api(p, 'PATCH', '/deployments/tiny', { photon: 'tiny@2' });
  assert.equal(r.status, 202, JSON.stringify(r.json));
  await waitUntil(() => {
    const s = status();
    return s.phase === 'Running' && s.replicas.length === 2 && s.replicas.every((x) => x.photon === 'tiny@2' && x.state === 'ready');
  }, 90_000, 'the update to finish');
  await sleep(500);
  const res = await load.stop();
  assert.equal(res.failed, 0, `failures: ${res.failures.join(' | ')}`);
  assert.deepEqual([...res.models].sort(), ['tiny@1', 'tiny@2'], 'both versions served during the roll');
  for (const id of status().replicas.map((x) => x.id)) assert.ok(!oldIds.has(id), 'old replicas were replaced');
  const one = await fetch(`${p.url}/deployments/tiny/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(p) }, body: '{"inputs":[[1,2,3,4]]}' });
  assert.equal(((await one.json()) as { model: string }).model, 'tiny@2');
  const events = (await api(p, 'GET', '/events?deployment=tiny')).json['events'] as Array<{ type: string }>;
  assert.ok(events.some((e) => e.type === 'update-finished'));
});
