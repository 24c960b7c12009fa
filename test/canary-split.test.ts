/**
 * Traffic split between photon versions (issue 19), end to end through `lep up`'s platform: a
 * canary takes its weight of the requests (affinity keys stay on one revision), promote and
 * rollback under load fail no request, and the automatic gate rolls back an injected failing canary
 * (a photon whose handler throws) with an event that says why.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createPhoton } from '../src/photon/create.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { addTinyPhoton, api, authHeaders, sleep, startLoad, startTestPlatform, waitUntil, TINY_BODY, type TestPlatform } from './platform-helpers.js';

let p: TestPlatform;
before(async () => {
  p = await startTestPlatform({ security: { rateLimit: false } });
  await addTinyPhoton(p, '1');
  await addTinyPhoton(p, '2');
  // the injected failing canary: every /predict answers 500
  const handlerSource = Buffer.from("export default { postprocess() { throw new Error('injected canary failure'); } };\n");
  const bad = await createPhoton({ name: 'tiny', version: '3', model: mlpModel(mlpWeights([4, 8, 3], 103)), labels: ['a', 'b', 'c'], handlerSource });
  await p.controlPlane.addPhoton(bad.archive);
  assert.equal((await api(p, 'POST', '/deployments', { name: 'tiny', photon: 'tiny@1', replicas: 2 })).status, 201);
  await p.controlPlane.waitReady('tiny', 60_000);
});
after(() => p.dispose());

const view = () => p.controlPlane.getDeployment('tiny');
const canaryReady = () => (view().revisions?.[1]?.readyReplicas ?? 0) >= 1;
const predictUrl = () => `${p.url}/deployments/tiny/predict`;

async function predict(headers: Record<string, string> = {}): Promise<{ status: number; model: string | undefined }> {
  const r = await fetch(predictUrl(), { method: 'POST', body: TINY_BODY, headers: { 'content-type': 'application/json', ...authHeaders(p), ...headers } });
  const j = (await r.json()) as { model?: string };
  return { status: r.status, model: j.model };
}

async function patch(body: unknown): Promise<void> {
  const r = await api(p, 'PATCH', '/deployments/tiny', body);
  assert.equal(r.status, 202, JSON.stringify(r.json));
}

test('a canary takes its share; affinity keys stay on one revision; the weight changes', { timeout: 120_000 }, async () => {
  await patch({ canary: { photon: 'tiny@2', weight: 25 } });
  await waitUntil(canaryReady, 60_000, 'the canary replica');
  const models: string[] = [];
  for (let i = 0; i < 400; i++) models.push((await predict()).model!);
  const share = (100 * models.filter((m) => m === 'tiny@2').length) / models.length;
  assert.ok(Math.abs(share - 25) <= 2, `canary share ${share}% at weight 25`);
  for (const key of ['alice', 'bob', 'carol', 'dave']) {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add((await predict({ 'x-session-id': key })).model!);
    assert.equal(seen.size, 1, `key ${key} saw ${[...seen].join(', ')}`);
  }
  await patch({ canaryWeight: 50 });
  const after50: string[] = [];
  for (let i = 0; i < 200; i++) after50.push((await predict()).model!);
  assert.equal(after50.filter((m) => m === 'tiny@2').length, 100, 'smooth round-robin: exactly half of 200');
  const v = view();
  assert.deepEqual(v.revisions?.map((r) => [r.revision, r.photon, r.weight]), [['stable', 'tiny@1', 50], ['canary', 'tiny@2', 50]]);
  assert.ok((v.revisions?.[1]?.lastMinute?.requests ?? 0) > 100, 'per-revision counts');
  const metrics = await (await fetch(`${p.url}/metrics`, { headers: authHeaders(p) })).text();
  assert.match(metrics, /deployment="tiny~canary"/, 'gateway metrics per revision');
});

test('promote under load: no failed request, only the canary photon left', { timeout: 150_000 }, async () => {
  const load = startLoad(predictUrl(), 8, authHeaders(p));
  await sleep(500);
  await patch({ promote: true });
  await waitUntil(() => {
    const v = view();
    return v.revisions === undefined && v.spec.canary === undefined && v.status.phase === 'Running' && v.status.replicas.every((r) => r.photon === 'tiny@2' && r.state === 'ready');
  }, 120_000, 'the promotion to finish');
  await sleep(500);
  const res = await load.stop();
  assert.equal(res.failed, 0, `failures: ${res.failures.join(' | ')}`);
  assert.ok(res.ok > 50);
  for (let i = 0; i < 20; i++) assert.equal((await predict()).model, 'tiny@2');
  const events = (await api(p, 'GET', '/events?deployment=tiny')).json['events'] as Array<{ type: string }>;
  assert.ok(events.some((e) => e.type === 'canary-promoted'));
});

test('start and rollback under load: no failed request (a starting canary hands its turns on), the stable photon only', { timeout: 150_000 }, async () => {
  const load = startLoad(predictUrl(), 8, authHeaders(p));
  await sleep(300);
  await patch({ canary: { photon: 'tiny@1', weight: 30 } });
  await waitUntil(canaryReady, 60_000, 'the canary replica');
  await sleep(700);
  await patch({ canary: null });
  await waitUntil(() => view().revisions === undefined, 60_000, 'the rollback to finish');
  await sleep(500);
  const res = await load.stop();
  assert.equal(res.failed, 0, `failures: ${res.failures.join(' | ')}`);
  assert.deepEqual([...res.models].sort(), ['tiny@1', 'tiny@2'], 'both revisions served before the rollback');
  for (let i = 0; i < 20; i++) assert.equal((await predict()).model, 'tiny@2');
});

test('the automatic gate rolls back a failing canary, and says why', { timeout: 150_000 }, async () => {
  await patch({ canary: { photon: 'tiny@3', weight: 20, gate: { maxErrorRate: 0.05, windowMs: 10_000, minRequests: 10 } } });
  await waitUntil(canaryReady, 60_000, 'the failing canary replica');
  let failed = 0;
  const until = Date.now() + 30_000;
  while (view().spec.canary !== undefined && Date.now() < until) {
    if ((await predict()).status >= 500) failed++;
  }
  assert.equal(view().spec.canary, undefined, 'the gate rolled the canary back');
  assert.ok(failed >= 1, 'the canary did fail requests before the gate acted');
  await waitUntil(() => view().revisions === undefined, 30_000, 'the canary to stop');
  for (let i = 0; i < 20; i++) assert.deepEqual(await predict(), { status: 200, model: 'tiny@2' });
  const events = (await api(p, 'GET', '/events?deployment=tiny')).json['events'] as Array<{ type: string; message: string }>;
  const rb = events.find((e) => e.type === 'canary-rolled-back' && e.message.includes('tiny@3'));
  assert.ok(rb, JSON.stringify(events.slice(-5)));
  assert.match(rb.message, /automatic gate: error rate \d+(\.\d)?% > 5\.0%/);
});

test('the CLI: update --canary --weight, --weight alone, status per revision, rollback --wait', { timeout: 120_000 }, async () => {
  const lep = (...args: string[]) =>
    promisify(execFile)(process.execPath, [new URL('../bin/lep.js', import.meta.url).pathname, 'deployment', ...args, '--server', p.url], {
      env: { ...process.env, LEPTON_TOKEN: p.token, LEPTON_HOME: p.home, LEPTON_LOG_LEVEL: 'silent' },
    });
  await lep('update', 'tiny', '--canary', 'tiny@1', '--weight', '20', '--max-p99-ms', '5000');
  assert.deepEqual(view().spec.canary, { photon: 'tiny@1', weight: 20, replicas: 1, gate: { maxP99Ms: 5000, windowMs: 30_000, minRequests: 20 } });
  await waitUntil(canaryReady, 60_000, 'the canary replica');
  await lep('update', 'tiny', '--weight', '40');
  const { stdout } = await lep('status', 'tiny');
  assert.match(stdout, /revision stable\s+tiny@2\s+60%/);
  assert.match(stdout, /revision canary\s+tiny@1\s+40%\s+1\/1 ready/);
  await lep('rollback', 'tiny', '--wait');
  assert.equal(view().revisions, undefined);
  const refused = await lep('promote', 'tiny').catch((e: { code: number; stderr: string }) => e);
  assert.ok('code' in refused && refused.code !== 0 && /no canary to promote/.test(refused.stderr), JSON.stringify(refused));
});
