// End-to-end: the platform on loopback with a temp LEPTON_HOME; create a 2-replica deployment via
// the REST API, predict through the gateway and see the spread in x-lepton-replica; state survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startPlatform } from '../src/deploy/platform.js';
import { addTinyPhoton, api, authHeaders, startTestPlatform, TINY_BODY } from './platform-helpers.js';

test('deploy 2 replicas, predict through the gateway, spread, API, metrics, restart reconcile', { timeout: 90_000 }, async () => {
  const p = await startTestPlatform();
  let home = p.home;
  try {
    await addTinyPhoton(p, '1');
    const created = await api(p, 'POST', '/deployments', { name: 'tiny', photon: 'tiny', replicas: 2, policy: 'round-robin' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal((created.json['spec'] as { photon: string }).photon, 'tiny@1');
    await p.controlPlane.waitReady('tiny', 60_000);

    const seen = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const r = await request(`${p.url}/deployments/tiny/predict`, { method: 'POST', body: TINY_BODY, headers: { 'content-type': 'application/json', ...authHeaders(p) } });
      const body = (await r.body.json()) as { predictions: Array<{ label: string }>; model: string };
      assert.equal(r.statusCode, 200);
      assert.equal(body.model, 'tiny@1');
      assert.ok(['a', 'b', 'c'].includes(body.predictions[0]!.label));
      const rep = String(r.headers['x-lepton-replica']);
      seen.set(rep, (seen.get(rep) ?? 0) + 1);
    }
    assert.equal(seen.size, 2, `expected both replicas, saw ${[...seen.keys()].join(',')}`);
    for (const n of seen.values()) assert.equal(n, 10, 'round-robin splits evenly');

    // OIP v2 goes through the same path.
    const oip = await request(`${p.url}/deployments/tiny/v2/health/ready`, { headers: authHeaders(p) });
    await oip.body.dump();
    assert.equal(oip.statusCode, 200);

    const replicas = await api(p, 'GET', '/deployments/tiny/replicas');
    const reps = replicas.json['replicas'] as Array<{ id: string; state: string; pid: number }>;
    assert.equal(reps.length, 2);
    assert.deepEqual(new Set(reps.map((r) => r.id)), new Set(seen.keys()), 'x-lepton-replica is the control-plane replica id');
    const logs = await api(p, 'GET', `/deployments/tiny/logs?replica=${reps[0]!.id}`);
    assert.match((logs.json['logs'] as Array<{ text: string }>)[0]!.text, /starting on port/);

    const bad = await api(p, 'POST', '/deployments', { name: 'Bad Name', photon: 'tiny' });
    assert.equal(bad.status, 400);
    assert.equal((bad.json['error'] as { code: string }).code, 'LEPTON_ERR_INVALID_ARGUMENT');
    const dup = await api(p, 'POST', '/deployments', { name: 'tiny', photon: 'tiny' });
    assert.equal(dup.status, 409);
    const missing = await api(p, 'POST', '/deployments', { name: 'other', photon: 'nope' });
    assert.equal(missing.status, 404);
    assert.equal((await api(p, 'GET', '/deployments/nope')).status, 404);
    assert.equal((await api(p, 'PATCH', '/deployments/tiny', { replicas: -1 })).status, 400);
    const photons = await api(p, 'GET', '/photons');
    assert.deepEqual((photons.json['photons'] as Array<{ name: string; version: string }>).map((x) => `${x.name}@${x.version}`), ['tiny@1']);
    const events = await api(p, 'GET', '/events?deployment=tiny');
    assert.ok((events.json['events'] as Array<{ type: string }>).some((e) => e.type === 'replica-ready'));

    const metrics = await request(`${p.url}/metrics`, { headers: authHeaders(p) });
    const text = await metrics.body.text();
    assert.match(text, /lepton_gateway_requests_total\{deployment="tiny",replica="tiny-[0-9a-f]+",code="200"\} 10/);
    assert.match(text, /lepton_gateway_request_duration_seconds_bucket\{le="0.1",deployment="tiny"/);
  } finally {
    await p.close();
  }

  // Restart on the same home: the deployment comes back by itself.
  const again = await startPlatform({ home, port: 0, host: '127.0.0.1' });
  try {
    await again.controlPlane.waitReady('tiny', 60_000);
    assert.equal(again.adminToken, undefined, 'the admin token is created once, on the first start');
    const r = await request(`${again.url}/deployments/tiny/predict`, { method: 'POST', body: TINY_BODY, headers: { 'content-type': 'application/json', ...authHeaders(again, p.token) } });
    await r.body.dump();
    assert.equal(r.statusCode, 200);
  } finally {
    await again.close();
    const { rmSync } = await import('node:fs');
    rmSync(home, { recursive: true, force: true });
    home = '';
  }
});
