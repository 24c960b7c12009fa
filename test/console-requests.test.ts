// The console's "recent requests" (issue 18): the gateway keeps the last N requests per deployment in
// a ring buffer, each with its status, latency, replica and the batch it rode in, which the replica
// reports in `x-lepton-batch-size`. Concurrent requests to a photon that waits 100 ms for a batch to
// fill are computed together, so their records say a batch of more than one; a lone request says 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPhoton } from '../src/photon/create.js';
import { parseBatchHeader, RequestLog, type RequestRecord } from '../src/gateway/request-log.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { api, authHeaders, startTestPlatform, TINY_BODY } from './platform-helpers.js';

const rec = (i: number): RequestRecord => ({ t: i, method: 'POST', path: '/predict', status: 200, ms: 1, replica: 'r', batch: 1, revision: 'stable', aborted: false });

test('the request ring buffer keeps the newest N, newest first', () => {
  const log = new RequestLog(3);
  assert.deepEqual(log.list(), []);
  for (let i = 1; i <= 5; i++) log.push(rec(i));
  assert.equal(log.size, 3);
  assert.deepEqual(log.list().map((r) => r.t), [5, 4, 3]);
  assert.deepEqual(log.list(2).map((r) => r.t), [5, 4]);
  assert.equal(parseBatchHeader('12'), 12);
  for (const bad of [undefined, '', '0', '-1', '1.5', 'x', ['2']]) assert.equal(parseBatchHeader(bad as string | undefined), null, String(bad));
});

test('recent requests: status, latency, replica and batch size from the replica', { timeout: 60_000 }, async () => {
  const p = await startTestPlatform();
  try {
    const model = mlpModel(mlpWeights([4, 8, 3], 7));
    // a long wait for the batch to fill: 8 requests sent together are computed as one batch
    const { archive } = await createPhoton({ name: 'tiny', version: '1', model, labels: ['a', 'b', 'c'], batching: { maxWaitMs: 100, maxBatch: 64 } });
    await p.controlPlane.addPhoton(archive);
    assert.equal((await api(p, 'POST', '/deployments', { name: 'tiny', photon: 'tiny', replicas: 1 })).status, 201);
    await p.controlPlane.waitReady('tiny', 30_000);

    const predict = (): Promise<Response> => fetch(`${p.url}/deployments/tiny/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(p) }, body: TINY_BODY });
    const together = await Promise.all(Array.from({ length: 8 }, predict));
    assert.ok(together.every((r) => r.status === 200));
    // the replica's own header passes through the gateway
    const sizes = together.map((r) => Number(r.headers.get('x-lepton-batch-size')));
    assert.ok(sizes.every((n) => n >= 1) && Math.max(...sizes) > 1, `batch sizes ${sizes.join(',')}`);
    const alone = await predict();
    assert.equal(alone.headers.get('x-lepton-batch-size'), '1');
    assert.equal((await fetch(`${p.url}/deployments/tiny/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(p) }, body: '{"inputs": [[1, 2]]}' })).status, 400);
    // OIP v2 infer says the same (two rows in one request: a batch of at least 2)
    const infer = await fetch(`${p.url}/deployments/tiny/v2/models/tiny/infer`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders(p) },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] }] }),
    });
    assert.equal(infer.status, 200, await infer.clone().text());
    assert.equal(infer.headers.get('x-lepton-batch-size'), '2');

    const r = await api(p, 'GET', '/deployments/tiny/requests?limit=50');
    assert.equal(r.status, 200);
    const all = (r.json as { requests: RequestRecord[]; capacity: number }).requests;
    assert.deepEqual([all[0]!.path, all[0]!.batch], ['/v2/models/tiny/infer', 2]);
    const reqs = all.filter((x) => x.path === '/predict');
    assert.equal((r.json as { capacity: number }).capacity, 200);
    assert.equal(reqs.length, 10, 'every prediction is recorded (health probes do not pass the gateway)');
    // newest (finished) first: the bad request, then the lone one, then the eight
    assert.equal(reqs[0]!.status, 400);
    assert.deepEqual([reqs[1]!.status, reqs[1]!.batch], [200, 1]);
    const eight = reqs.slice(2);
    assert.ok(eight.every((x) => x.status === 200 && x.replica !== null && x.revision === 'stable' && !x.aborted && x.ms > 0 && x.method === 'POST'));
    assert.deepEqual(eight.map((x) => x.batch).sort(), [...sizes].sort(), 'each record has the batch its answer said');

    // read-scoped, like the rest of the console's data; an unknown deployment is a 404
    assert.equal((await fetch(`${p.url}/api/v1/deployments/tiny/requests`)).status, 401);
    assert.equal((await api(p, 'GET', '/deployments/ghost/requests')).status, 404);
    assert.equal((await api(p, 'GET', '/deployments/tiny/requests?limit=0')).status, 400);
  } finally {
    await p.dispose();
  }
});
