// The pipeline with the real `lep` (mnist-small, seconds): a gate with an impossible floor fails
// the job with its reason and leaves the running deployment untouched (nothing registered); then
// train → compress → evaluate → gate → register → deploy rolls that deployment to the new photon,
// which answers. Each step shows its state, timing and metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { addTinyPhoton, authHeaders, waitUntil } from './platform-helpers.js';
import { call, ended, realLauncher, startJobsPlatform, submit, waitJob } from './jobs-helpers.js';

const TRAIN = '--dataset mnist-small --epochs 1 --limit-train 1500 --limit-test 500 --batch-size 64';

interface View {
  spec: { photon: string };
  status: { readyReplicas: number; replicas: Array<{ id: string; pid: number | null; photon: string; state: string }> };
}

test('pipeline: a failed gate leaves the deployment untouched; a passing one registers and rolls it', { timeout: 240_000 }, async (t) => {
  const p = await startJobsPlatform(realLauncher);
  t.after(() => p.dispose());
  await addTinyPhoton(p, '1');
  assert.equal((await call(p, 'POST', '/deployments', { name: 'digits', photon: 'tiny@1', replicas: 1 })).status, 201);
  const view = async (): Promise<View> => (await call(p, 'GET', '/deployments/digits')).json as unknown as View;
  await waitUntil(async () => (await view()).status.readyReplicas === 1, 60_000, 'digits ready');
  const before = await view();

  const gated = await submit(p, 'pipeline', ['--name', 'digits-model', '--train', TRAIN, '--min-accuracy', '0.999', '--deploy', 'digits']);
  assert.deepEqual(gated.steps.map((s) => s.name), ['train', 'evaluate', 'gate', 'register', 'deploy']);
  const failed = await waitJob(p, gated.id, ended, 120_000);
  assert.equal(failed.state, 'failed');
  assert.match(failed.reason ?? '', /^gate: accuracy 0\.\d{4} is below the floor 0\.999; nothing registered or deployed$/);
  assert.deepEqual(failed.steps.map((s) => s.state), ['succeeded', 'succeeded', 'failed', 'skipped', 'skipped']);
  assert.ok(failed.steps[0]!.seconds! > 0 && typeof failed.steps[0]!.metrics['accuracy'] === 'number');
  assert.equal(failed.steps[2]!.metrics['min_accuracy'], 0.999);
  const after = await view();
  assert.equal(after.spec.photon, 'tiny@1', 'the deployment still serves what it served');
  assert.deepEqual(after.status.replicas.map((r) => [r.id, r.pid]), before.status.replicas.map((r) => [r.id, r.pid]), 'no replica was touched');
  assert.equal(p.registry.list().find((x) => x.name === 'digits-model'), undefined, 'nothing registered');

  const good = await submit(p, 'pipeline', ['--name', 'digits-model', '--train', TRAIN, '--compress', 'int8-dynamic', '--min-accuracy', '0.5', '--max-drop', '0.05', '--deploy', 'digits']);
  const done = await waitJob(p, good.id, ended, 180_000);
  assert.equal(done.state, 'succeeded', `${done.reason} ${JSON.stringify(done.steps)}`);
  assert.deepEqual(done.steps.map((s) => [s.name, s.state]), [
    ['train', 'succeeded'],
    ['compress', 'succeeded'],
    ['evaluate', 'succeeded'],
    ['gate', 'succeeded'],
    ['register', 'succeeded'],
    ['deploy', 'succeeded'],
  ]);
  const evaluate = done.steps[2]!.metrics;
  assert.ok((evaluate['accuracy'] as number) >= 0.5 && Math.abs(evaluate['drop'] as number) <= 0.05, JSON.stringify(evaluate));
  assert.equal(done.steps[5]!.metrics['action'], 'updated');
  assert.equal(done.steps[5]!.metrics['previous'], 'tiny@1');
  assert.equal(done.result['photon'], 'digits-model@1');
  assert.equal((await view()).spec.photon, 'digits-model@1');
  const metrics = (await call(p, 'GET', `/jobs/${good.id}/metrics`)).json['epochs'] as Array<{ step: string; epoch: number }>;
  assert.deepEqual(metrics.map((e) => [e.step, e.epoch]), [['train', 1]]);
  const r = await request(`${p.url}/deployments/digits/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(p) },
    body: JSON.stringify({ inputs: [new Array(784).fill(0.1)] }),
  });
  const body = (await r.body.json()) as { predictions: Array<{ label: string }> };
  assert.equal(r.statusCode, 200, JSON.stringify(body));
  assert.match(body.predictions[0]!.label, /^[0-9]$/);

  // with traffic splitting, --canary starts the new version next to the running one at that share
  const canary = await submit(p, 'pipeline', ['--name', 'digits-model', '--train', TRAIN, '--min-accuracy', '0.5', '--deploy', 'digits', '--canary', '20']);
  const split = await waitJob(p, canary.id, ended, 180_000);
  assert.equal(split.state, 'succeeded', `${split.reason} ${JSON.stringify(split.steps)}`);
  assert.equal(split.steps.at(-1)!.metrics['action'], 'canary');
  const v = (await call(p, 'GET', '/deployments/digits')).json as unknown as View & { revisions?: Array<{ revision: string; photon: string; weight: number; readyReplicas: number }> };
  assert.equal(v.spec.photon, 'digits-model@1', 'the stable revision keeps serving');
  const rev = v.revisions?.find((r) => r.revision === 'canary');
  assert.deepEqual([rev?.photon, rev?.weight], ['digits-model@2', 20]);
  assert.ok((rev?.readyReplicas ?? 0) >= 1, JSON.stringify(v.revisions));
});
