// Gateway behaviour against fake replicas on loopback: proxying, retries, ejection, queueing,
// health checks, draining, scale-from-zero and metrics.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { Gateway, type GatewayOptions } from './gateway.js';
import { deadOrigin, startFakeReplica, type FakeReplica } from './test-replicas.fixture.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function startGateway(opts: Partial<GatewayOptions> = {}): Promise<{ gw: Gateway; base: string; registry: Registry }> {
  const registry = new Registry();
  const gw = new Gateway({ registry, ...opts });
  const server: Server = createServer((req, res) => {
    if (gw.matches(req.url)) gw.handle(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  server.keepAliveTimeout = 1000;
  cleanups.push(async () => {
    await gw.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { gw, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, registry };
}

async function fakes(...ids: string[]): Promise<FakeReplica[]> {
  const fs = await Promise.all(ids.map((id) => startFakeReplica(id)));
  for (const f of fs) cleanups.push(() => f.close());
  return fs;
}

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const r = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

test('proxies path, query and body unchanged and rotates round-robin', async () => {
  const { gw, base } = await startGateway();
  const [a, b] = await fakes('a', 'b');
  gw.upsertDeployment('d', { policy: 'round-robin' });
  gw.addReplica('d', { id: 'a', origin: a!.origin });
  gw.addReplica('d', { id: 'b', origin: b!.origin });
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await post(`${base}/deployments/d/predict?raw=1`, `{"inputs":[[${i}]]}`);
    assert.equal(r.status, 200);
    const j = r.json();
    assert.equal(j['url'], '/predict?raw=1');
    assert.equal(j['body'], `{"inputs":[[${i}]]}`);
    seen.push(String(r.headers['x-lepton-replica']));
  }
  assert.deepEqual(seen, ['a', 'b', 'a', 'b', 'a', 'b']);
});

test('unknown deployment answers 404 with the error envelope', async () => {
  const { base } = await startGateway();
  const r = await post(`${base}/deployments/nope/predict`, '{}');
  assert.equal(r.status, 404);
  assert.equal((r.json()['error'] as { code: string }).code, 'LEPTON_ERR_DEPLOYMENT_NOT_FOUND');
});

test('retries connect-refused on another replica and ejects the dead one', async () => {
  const { gw, base, registry } = await startGateway({ defaults: { outlier: { consecutiveFailures: 2 } } });
  const [live] = await fakes('live');
  gw.upsertDeployment('d', { policy: 'round-robin' });
  gw.addReplica('d', { id: 'dead', origin: await deadOrigin() });
  gw.addReplica('d', { id: 'live', origin: live!.origin });
  for (let i = 0; i < 20; i++) assert.equal((await post(`${base}/deployments/d/x`, '{}')).status, 200);
  assert.equal(live!.hits, 20);
  const stats = gw.stats('d')!;
  assert.equal(stats.replicas.find((r) => r.id === 'dead')!.ejected, true);
  const text = await registry.metrics();
  assert.match(text, /lepton_gateway_retries_total\{deployment="d",reason="connect_or_reset"\} [1-9]/);
  assert.match(text, /lepton_gateway_ejections_total\{deployment="d",replica="dead"\} 1/);
});

test('retries a reset and a 503 from a replica on a different replica', async () => {
  const { gw, base } = await startGateway();
  const [bad, good] = await fakes('bad', 'good');
  bad!.behaviour.reset = true;
  gw.upsertDeployment('d', { policy: 'round-robin' });
  gw.addReplica('d', { id: 'bad', origin: bad!.origin });
  gw.addReplica('d', { id: 'good', origin: good!.origin });
  for (let i = 0; i < 4; i++) assert.equal((await post(`${base}/deployments/d/x`, '{}')).status, 200);
  bad!.behaviour.reset = false;
  bad!.behaviour.status = 503;
  for (let i = 0; i < 4; i++) {
    const r = await post(`${base}/deployments/d/x`, '{}');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-lepton-replica'], 'good');
  }
});

test('a full gateway queue answers 503 with Retry-After', async () => {
  const { gw, base } = await startGateway({ defaults: { replicaCapacity: 1, maxQueue: 1 } });
  const [slow] = await fakes('slow');
  slow!.behaviour.delayMs = 300;
  gw.upsertDeployment('d');
  gw.addReplica('d', { id: 'slow', origin: slow!.origin });
  const results = await Promise.all([0, 1, 2].map(() => post(`${base}/deployments/d/x`, '{}')));
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 503]);
  const rejected = results.find((r) => r.status === 503)!;
  assert.equal(rejected.headers['retry-after'], '1');
  assert.equal((rejected.json()['error'] as { code: string }).code, 'LEPTON_ERR_OVERLOADED');
  assert.equal(slow!.maxInFlight, 1, 'the per-replica cap held');
});

test('with no replica a request waits, then gets 503; scale-from-zero serves it', async () => {
  const [late] = await fakes('late');
  const { gw, base } = await startGateway();
  gw.upsertDeployment('zero'); // made before the callback is registered: it must reach it all the same
  gw.setOnDemand((d) => {
    if (d === 'zero') setTimeout(() => gw.addReplica('zero', { id: 'late', origin: late!.origin }), 100);
  });
  gw.upsertDeployment('empty');
  const r = await post(`${base}/deployments/empty/x`, '{}', { 'x-lepton-timeout-ms': '150' });
  assert.equal(r.status, 503);
  assert.equal((r.json()['error'] as { code: string }).code, 'LEPTON_ERR_NO_REPLICA');
  assert.ok(r.headers['retry-after']);
  const z = await post(`${base}/deployments/zero/x`, '{}');
  assert.equal(z.status, 200);
  assert.equal(z.headers['x-lepton-replica'], 'late');
});

test('active health checks take a failing replica out and bring it back', async () => {
  const { gw, base } = await startGateway({
    defaults: { health: { path: '/v2/health/ready', intervalMs: 30, timeoutMs: 200, healthyThreshold: 2, unhealthyThreshold: 2 } },
  });
  const [a, b] = await fakes('a', 'b');
  gw.upsertDeployment('d', { policy: 'round-robin' });
  gw.addReplica('d', { id: 'a', origin: a!.origin });
  gw.addReplica('d', { id: 'b', origin: b!.origin });
  a!.behaviour.readyStatus = 503;
  await waitFor(() => gw.stats('d')!.replicas.find((r) => r.id === 'a')!.healthy === false);
  for (let i = 0; i < 6; i++) assert.equal((await post(`${base}/deployments/d/x`, '{}')).headers['x-lepton-replica'], 'b');
  a!.behaviour.readyStatus = 200;
  await waitFor(() => gw.stats('d')!.replicas.find((r) => r.id === 'a')!.healthy === true);
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) seen.add(String((await post(`${base}/deployments/d/x`, '{}')).headers['x-lepton-replica']));
  assert.deepEqual([...seen].sort(), ['a', 'b']);
});

test('draining lets in-flight requests finish and sends nothing new', async () => {
  const { gw, base } = await startGateway();
  const [a, b] = await fakes('a', 'b');
  a!.behaviour.delayMs = 200;
  gw.upsertDeployment('d', { policy: 'round-robin' });
  gw.addReplica('d', { id: 'a', origin: a!.origin });
  gw.addReplica('d', { id: 'b', origin: b!.origin });
  const inflight = post(`${base}/deployments/d/x`, '{}');
  await waitFor(() => a!.inFlight === 1);
  const drained = gw.drainReplica('d', 'a', 5000);
  const during = await post(`${base}/deployments/d/x`, '{}');
  assert.equal(during.headers['x-lepton-replica'], 'b');
  assert.equal((await inflight).status, 200);
  await drained;
  assert.deepEqual(gw.stats('d')!.replicas.map((r) => r.id), ['b']);
});

test('affinity keeps a session on one replica through the proxy', async () => {
  const { gw, base } = await startGateway();
  const fs = await fakes('a', 'b', 'c');
  gw.upsertDeployment('d', { policy: 'affinity' });
  for (const f of fs) gw.addReplica('d', { id: f.id, origin: f.origin });
  for (const s of ['alice', 'bob', 'carol']) {
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) seen.add(String((await post(`${base}/deployments/d/x`, '{}', { 'x-session-id': s })).headers['x-lepton-replica']));
    assert.equal(seen.size, 1, `${s} was spread over ${[...seen].join(',')}`);
  }
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a client that hangs up mid-request does not disturb the gateway', async () => {
  const { gw, base } = await startGateway();
  const [slow] = await fakes('slow');
  slow!.behaviour.delayMs = 150;
  gw.upsertDeployment('d');
  gw.addReplica('d', { id: 'slow', origin: slow!.origin });
  const ac = new AbortController();
  const gone = request(`${base}/deployments/d/x`, { method: 'POST', body: '{}', signal: ac.signal }).catch(() => 'aborted');
  await waitFor(() => slow!.inFlight === 1);
  ac.abort();
  assert.equal(await gone, 'aborted');
  await waitFor(() => gw.stats('d')!.inFlight === 0);
  const r = await post(`${base}/deployments/d/x`, '{}');
  assert.equal(r.status, 200);
});

test('panic mode: when every replica is ejected, traffic still flows to them', async () => {
  const { gw, base } = await startGateway({ defaults: { outlier: { consecutiveFailures: 2, baseEjectionMs: 60_000 } } });
  const [flaky] = await fakes('flaky');
  flaky!.behaviour.status = 500;
  gw.upsertDeployment('d');
  gw.addReplica('d', { id: 'flaky', origin: flaky!.origin });
  for (let i = 0; i < 3; i++) assert.equal((await post(`${base}/deployments/d/x`, '{}')).status, 500);
  assert.equal(gw.stats('d')!.replicas[0]!.ejected, true);
  flaky!.behaviour.status = 200;
  const r = await post(`${base}/deployments/d/x`, '{}');
  assert.equal(r.status, 200, 'served despite the ejection instead of waiting for it to expire');
});

test('clients hanging up never count against a replica (no ejection)', async () => {
  const { gw, base } = await startGateway({ defaults: { outlier: { consecutiveFailures: 2 } } });
  const [slow, other] = await fakes('slow', 'other');
  slow!.behaviour.delayMs = 100;
  other!.behaviour.delayMs = 100;
  gw.upsertDeployment('d', { policy: 'round-robin' });
  gw.addReplica('d', { id: 'slow', origin: slow!.origin });
  gw.addReplica('d', { id: 'other', origin: other!.origin });
  // The end of a load test: many clients hang up while their requests are in flight.
  const acs = Array.from({ length: 8 }, () => new AbortController());
  const gone = acs.map((ac) => request(`${base}/deployments/d/x`, { method: 'POST', body: '{}', signal: ac.signal }).catch(() => 'aborted'));
  await waitFor(() => slow!.inFlight + other!.inFlight === 8);
  for (const ac of acs) ac.abort();
  await Promise.all(gone);
  await waitFor(() => gw.stats('d')!.inFlight === 0);
  assert.deepEqual(
    gw.stats('d')!.replicas.map((r) => [r.id, r.ejected]),
    [
      ['slow', false],
      ['other', false],
    ],
  );
});

test('a retry goes to an ejected replica it has not tried before the one that just failed', async () => {
  const { gw, base } = await startGateway({ defaults: { outlier: { consecutiveFailures: 2, baseEjectionMs: 60_000 } } });
  const [survivor] = await fakes('survivor');
  survivor!.behaviour.status = 500;
  gw.upsertDeployment('d');
  gw.addReplica('d', { id: 'survivor', origin: survivor!.origin });
  for (let i = 0; i < 2; i++) await post(`${base}/deployments/d/x`, '{}');
  assert.equal(gw.stats('d')!.replicas[0]!.ejected, true);
  survivor!.behaviour.status = 200;
  // The only healthy-looking replica is dead (killed, not yet noticed by the supervisor).
  gw.addReplica('d', { id: 'dead', origin: await deadOrigin() });
  for (let i = 0; i < 5; i++) {
    const r = await post(`${base}/deployments/d/x`, '{}');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['x-lepton-replica'], 'survivor');
  }
});

test('least-request keeps traffic off a replica that answers slowly', async () => {
  const { gw, base } = await startGateway();
  const [fast, slow] = await fakes('fast', 'slow');
  slow!.behaviour.delayMs = 40;
  gw.upsertDeployment('d', { policy: 'least-request' });
  gw.addReplica('d', { id: 'fast', origin: fast!.origin });
  gw.addReplica('d', { id: 'slow', origin: slow!.origin });
  // Four at a time: in-flight counts alone would split these about evenly.
  for (let i = 0; i < 15; i++) await Promise.all([0, 1, 2, 3].map(() => post(`${base}/deployments/d/x`, '{}')));
  assert.ok(slow!.hits <= 6, `slow replica got ${slow!.hits} of 60 requests`);
});
