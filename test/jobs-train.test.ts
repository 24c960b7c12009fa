// A real `lep train` job through the API (mnist-small, a few seconds): the follow stream carries
// its log to the summary line it prints just before exiting, per-epoch metrics come as it trains,
// `--photon` registers the model with the job's provenance, the artifact downloads, and the photon
// deploys and answers a prediction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { authHeaders, waitUntil } from './platform-helpers.js';
import { call, followLogs, realLauncher, startJobsPlatform, submit } from './jobs-helpers.js';

test('train job via the API: logs to the end, per-epoch metrics, photon registered, deployed, answering', { timeout: 180_000 }, async (t) => {
  const p = await startJobsPlatform(realLauncher);
  t.after(() => p.dispose());
  const j = await submit(p, 'train', ['--dataset', 'mnist-small', '--epochs', '2', '--limit-train', '1500', '--limit-test', '500', '--batch-size', '64', '--photon', 'digits']);
  assert.deepEqual(j.steps.map((s) => s.name), ['train', 'register']);
  const { lines, end } = await followLogs(p, j.id);
  assert.equal(end?.state, 'succeeded', lines.slice(-10).map((l) => l.line).join('\n'));
  const stdout = lines.filter((l) => l.stream === 'stdout');
  assert.match(stdout.at(-1)!.line, /^mlp on mnist-small: accuracy [\d.]+% after 2 epochs/, 'the summary printed just before exit is the last stdout line');
  assert.ok(lines.some((l) => /train epoch 2\/2 loss [\d.]+ acc [\d.]+ test_acc [\d.]+/.test(l.line)), 'the trainer’s epoch lines are in the log');

  const m = await call(p, 'GET', `/jobs/${j.id}/metrics`);
  const epochs = m.json['epochs'] as Array<{ epoch: number; loss: number; accuracy: number; testAccuracy: number }>;
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2]);
  assert.ok(epochs.every((e) => e.loss > 0 && e.accuracy > 0.3 && e.testAccuracy > 0.3), JSON.stringify(epochs));
  assert.equal(end.result['photon'], 'digits@1');
  const trained = end.result['accuracy'] as number;
  assert.ok(trained > 0.5, `accuracy ${trained}`);

  // provenance in the photon's manifest
  const loaded = await p.registry.load('digits@1');
  assert.match(loaded.manifest.description ?? '', new RegExp(`trained by job ${j.id} on mnist-small: accuracy ${trained.toFixed(4)}`));
  assert.deepEqual(loaded.manifest.image, { width: 28, height: 28, channels: 1, normalize: 'unit' });
  assert.deepEqual(loaded.manifest.provenance, { job: j.id, dataset: 'mnist-small', metrics: { accuracy: trained, epochs: 2, test_loss: loaded.manifest.provenance!.metrics['test_loss']! } });
  assert.ok(loaded.manifest.provenance!.metrics['test_loss']! > 0);

  // artifacts: listed and downloadable, byte for byte
  const art = await call(p, 'GET', `/jobs/${j.id}/artifacts`);
  assert.deepEqual((art.json['artifacts'] as Array<{ path: string }>).map((a) => a.path).sort(), ['metrics.json', 'model.onnx', 'model.safetensors']);
  const dl = await request(`${p.url}/api/v1/jobs/${j.id}/artifacts/model.onnx`, { headers: authHeaders(p) });
  assert.equal(dl.statusCode, 200);
  assert.deepEqual(Buffer.from(await dl.body.arrayBuffer()), readFileSync(join(p.home, 'jobs', j.id, 'artifacts', 'model.onnx')));
  assert.equal((await call(p, 'GET', `/jobs/${j.id}/artifacts/..%2Flog.jsonl`)).status, 400);

  // the photon deploys and answers
  const created = await call(p, 'POST', '/deployments', { name: 'digits', photon: 'digits@1', replicas: 1 });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  await waitUntil(async () => ((await call(p, 'GET', '/deployments/digits')).json as { status: { readyReplicas: number } }).status.readyReplicas === 1, 60_000, 'digits ready');
  const r = await request(`${p.url}/deployments/digits/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(p) },
    body: JSON.stringify({ inputs: [new Array(784).fill(0.1)] }),
  });
  const body = (await r.body.json()) as { predictions: Array<{ label: string }>; model: string };
  assert.equal(r.statusCode, 200, JSON.stringify(body));
  assert.ok(/^[0-9]$/.test(body.predictions[0]!.label));
});
