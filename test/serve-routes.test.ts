// Every route of the model server on a real socket: /predict in all its body forms, OIP v2,
// health, metrics, OpenAPI and docs; the replica header; correct numbers against a JS reference.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodePng } from '../src/data/png.js';
import { type ServerHandle } from '../src/serve/server.js';
import { expected, postJson, sampleRows, startTestServer } from './fixtures/serve-helpers.js';

let h: ServerHandle;
before(async () => {
  h = await startTestServer();
});
after(async () => {
  await h.close();
});

function near(actual: Array<{ index: number; label: string; score: number }>, want: ReturnType<typeof expected>): void {
  assert.equal(actual.length, want.length);
  actual.forEach((p, i) => {
    assert.equal(p.index, want[i]!.index);
    assert.equal(p.label, want[i]!.label);
    assert.ok(Math.abs(p.score - want[i]!.score) < 1e-4, `${p.score} vs ${want[i]!.score}`);
  });
}

test('POST /predict {"inputs"} answers the right class, label and score with model name@version', async () => {
  const x = sampleRows(1);
  const r = await postJson(h.url, { inputs: [Array.from(x)] });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-lepton-replica'), 'test-replica');
  const body = (await r.json()) as { predictions: Array<{ index: number; label: string; score: number }>; model: string };
  assert.equal(body.model, 'digits@1');
  near(body.predictions, expected(x, 1));
});

test("POST /predict accepts the seed's {\"input_data\"}, several rows, and a flat single row", async () => {
  const x = sampleRows(3, 9);
  const rows = [0, 1, 2].map((r) => Array.from(x.subarray(r * 784, (r + 1) * 784)));
  const a = (await (await postJson(h.url, { input_data: rows })).json()) as { predictions: [] };
  near(a.predictions, expected(x, 3));
  const b = (await (await postJson(h.url, { inputs: rows[1] })).json()) as { predictions: [] };
  near(b.predictions, expected(x.subarray(784, 1568), 1));
});

test('POST /predict?raw=1 adds the raw outputs', async () => {
  const x = sampleRows(2, 4);
  const r = await postJson(h.url, { inputs: [Array.from(x.subarray(0, 784)), Array.from(x.subarray(784))] }, '/predict?raw=1');
  const body = (await r.json()) as { outputs: Record<string, { dims: number[]; data: number[] }> };
  assert.deepEqual(body.outputs['output']!.dims, [2, 10]);
  assert.equal(body.outputs['output']!.data.length, 20);
});

test('POST /predict with a binary float32 body', async () => {
  const x = sampleRows(2, 5);
  const r = await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(x.buffer) });
  assert.equal(r.status, 200);
  near(((await r.json()) as { predictions: [] }).predictions, expected(x, 2));
});

function digitImage(): { png: Uint8Array; pixels: Float32Array } {
  const pixels = new Float32Array(784);
  for (let i = 0; i < 784; i++) pixels[i] = ((i * 37) % 256) / 255;
  return { png: encodePng(pixels, 28, 28), pixels };
}

test('POST /predict with an image/png body equals the same pixels sent as JSON', async () => {
  const { png, pixels } = digitImage();
  const r = await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'image/png' }, body: png });
  assert.equal(r.status, 200);
  near(((await r.json()) as { predictions: [] }).predictions, expected(pixels, 1));
});

test('POST /predict with a multipart file upload', async () => {
  const { png, pixels } = digitImage();
  const form = new FormData();
  form.append('file', new Blob([png], { type: 'image/png' }), 'digit.png');
  const r = await fetch(h.url + '/predict', { method: 'POST', body: form });
  assert.equal(r.status, 200);
  near(((await r.json()) as { predictions: [] }).predictions, expected(pixels, 1));
});

test('OIP: GET /v2, live, ready, model metadata and model ready', async () => {
  assert.deepEqual(await (await fetch(h.url + '/v2')).json(), { name: 'lepton-ts', version: '0.1.0', extensions: [] });
  assert.deepEqual(await (await fetch(h.url + '/v2/health/live')).json(), { live: true });
  assert.deepEqual(await (await fetch(h.url + '/v2/health/ready')).json(), { ready: true });
  const meta = await (await fetch(h.url + '/v2/models/digits')).json();
  assert.deepEqual(meta, {
    name: 'digits',
    versions: ['1'],
    platform: 'onnx',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 784] }],
    outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 10] }],
  });
  assert.deepEqual(await (await fetch(h.url + '/v2/models/digits/versions/1')).json(), meta);
  assert.deepEqual(await (await fetch(h.url + '/v2/models/digits/ready')).json(), { name: 'digits', ready: true });
  assert.deepEqual(await (await fetch(h.url + '/v2/models/digits/versions/1/ready')).json(), { name: 'digits', ready: true });
});

test('OIP: POST /v2/models/{name}/infer with flat and nested data returns the logits', async () => {
  const x = sampleRows(2, 8);
  const flat = { id: 'req-1', inputs: [{ name: 'input', shape: [2, 784], datatype: 'FP32', data: Array.from(x) }] };
  const r = await postJson(h.url, flat, '/v2/models/digits/infer');
  assert.equal(r.status, 200);
  const body = (await r.json()) as { model_name: string; model_version: string; id: string; outputs: Array<{ name: string; shape: number[]; datatype: string; data: number[] }> };
  assert.equal(body.model_name, 'digits');
  assert.equal(body.id, 'req-1');
  const out = body.outputs[0]!;
  assert.deepEqual([out.name, out.shape, out.datatype], ['output', [2, 10], 'FP32']);
  const logits = (await import('./fixtures/models.js')).mlpForward((await import('./fixtures/serve-helpers.js')).WEIGHTS, x, 2);
  out.data.forEach((v, i) => assert.ok(Math.abs(v - logits[i]!) < 1e-4));
  const nested = { inputs: [{ name: 'input', shape: [2, 784], datatype: 'FP32', data: [Array.from(x.subarray(0, 784)), Array.from(x.subarray(784))] }], outputs: [{ name: 'output' }] };
  const r2 = (await (await postJson(h.url, nested, '/v2/models/digits/versions/1/infer')).json()) as typeof body;
  assert.deepEqual(r2.outputs[0]!.data, out.data);
});

test('GET /healthz reports readiness, model and queue depth', async () => {
  const r = await fetch(h.url + '/healthz');
  assert.equal(r.status, 200);
  const body = (await r.json()) as Record<string, unknown>;
  assert.equal(body['status'], 'ok');
  assert.equal(body['model'], 'digits@1');
  assert.equal(body['queueDepth'], 0);
});

test('GET /metrics exposes the lepton_* metrics in Prometheus text', async () => {
  await postJson(h.url, { inputs: [Array.from(sampleRows(1))] });
  const r = await fetch(h.url + '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
  const text = await r.text();
  for (const name of ['lepton_requests_total', 'lepton_request_duration_seconds_bucket', 'lepton_queue_depth', 'lepton_batch_size_bucket', 'lepton_inference_duration_seconds_bucket']) {
    assert.ok(text.includes(name), `missing ${name}`);
  }
  assert.match(text, /lepton_requests_total\{route="\/predict",code="200"[^}]*\} [1-9]/);
});

test('GET /openapi.json documents the routes and GET /docs serves the UI', async () => {
  const doc = (await (await fetch(h.url + '/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
  assert.match(doc.openapi, /^3\./);
  for (const p of ['/predict', '/v2/models/{name}/infer', '/v2/health/ready', '/healthz', '/metrics']) assert.ok(p in doc.paths, p);
  const docs = await fetch(h.url + '/docs');
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /swagger/i);
});

test('a bare ONNX file served on the native engine gives the same predictions', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { servePhoton } = await import('../src/serve/serve-photon.js');
  const { MODEL } = await import('./fixtures/serve-helpers.js');
  const dir = mkdtempSync(join(tmpdir(), 'lepton-native-serve-'));
  try {
    const file = join(dir, 'My Digits.onnx');
    writeFileSync(file, MODEL);
    const n = await servePhoton({ modelFile: file, engine: 'native', port: 0 });
    try {
      const x = sampleRows(2, 31);
      const body = (await (await postJson(n.url, { inputs: [Array.from(x.subarray(0, 784)), Array.from(x.subarray(784))] })).json()) as { model: string; predictions: [] };
      assert.equal(body.model, 'My_Digits@0'); // the file's own name, within the model-name rule (issue 12)
      const want = expected(x, 2).map((p) => ({ ...p, label: String(p.index) }));
      near(body.predictions, want);
    } finally {
      await n.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
