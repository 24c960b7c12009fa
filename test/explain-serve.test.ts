// POST /explain on the model server (issue 14): JSON and image bodies, results equal to the library's
// on the same graph, a PNG heat map and IG's delta; predictions on ort while explanations run on
// the native op table; a burst beyond 1 running + 4 waiting gets 429 with Retry-After while
// /predict keeps answering; a photon with explain: false answers 403.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { Rng } from '../src/core/rng.js';
import { onnxDifferentiable, saliency } from '../src/explain/index.js';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '../src/nn/index.js';
import { exportOnnx } from '../src/onnx/export.js';
import { MODEL, digitsPhoton, postJson, sampleRows, startTestServer } from './fixtures/serve-helpers.js';

test('POST /explain: IG and saliency from JSON, occlusion from an image body, saliency from a multipart upload; equal to the library', async (t) => {
  const h = await startTestServer({ engine: 'ort' });
  t.after(() => h.close());
  const x = sampleRows(1, 8);
  const r1 = await postJson(h.url, { inputs: [Array.from(x)], method: 'ig', steps: 64 }, '/explain');
  assert.equal(r1.status, 200, await r1.clone().text());
  const b1 = (await r1.json()) as { engine: string; method: string; attributions: number[]; delta: number; fx: number; fBaseline: number; heatmap_png: string; label: string; top: number };
  assert.equal(b1.engine, 'native');
  assert.equal(b1.attributions.length, 784);
  assert.ok(Math.abs(b1.delta) <= 0.01 * Math.abs(b1.fx - b1.fBaseline), `delta ${b1.delta}`);
  const png = Buffer.from(b1.heatmap_png, 'base64');
  assert.equal((await sharp(png).metadata()).format, 'png');

  const r2 = await postJson(h.url, { inputs: Array.from(x), method: 'saliency', target: 3 }, '/explain');
  const b2 = (await r2.json()) as { target: number; signed: number[] };
  assert.equal(b2.target, 3);
  const local = saliency(onnxDifferentiable(MODEL), x, { target: 3 });
  b2.signed.forEach((v, i) => assert.ok(Math.abs(v - local.signed[i]!) < 1e-5, `grad ${i}`));

  const img = await sharp(Buffer.from(Array.from(x, (v) => Math.round(v * 255))), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
  const r3 = await fetch(`${h.url}/explain?method=occlusion&window=7`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: img });
  assert.equal(r3.status, 200, await r3.clone().text());
  assert.equal(((await r3.json()) as { method: string }).method, 'occlusion');
  const form = new FormData();
  form.append('file', new Blob([img], { type: 'image/png' }), 'x.png');
  const r4 = await fetch(`${h.url}/explain?method=saliency`, { method: 'POST', body: form });
  assert.equal(r4.status, 200, await r4.clone().text());
  assert.equal(((await r4.json()) as { attributions: number[] }).attributions.length, 784);

  const bad = await postJson(h.url, { inputs: Array.from(x), method: 'lime' }, '/explain');
  assert.equal(bad.status, 400);
  const short = await postJson(h.url, { inputs: [1, 2, 3] }, '/explain');
  assert.equal(short.status, 400);
});

/** A CNN photon heavy enough that one 512-step IG takes far longer than sending ten requests. */
async function cnnServer() {
  const rng = new Rng(5);
  const cnn = new Sequential(new Conv2d(1, 16, 3, { rng, padding: 1 }), new ReLU(), new Flatten(), new Linear(16 * 28 * 28, 10, { rng }));
  const model = exportOnnx(cnn, { inputShape: [1, 28, 28] });
  const manifest = await digitsPhoton({ model });
  return startTestServer({ engine: 'ort', manifest, model });
}

test('a burst of explanations is bounded (429 + Retry-After) and predictions keep flowing', async (t) => {
  const h = await cnnServer();
  t.after(() => h.close());
  const x = Array.from(sampleRows(1, 9));
  await postJson(h.url, { inputs: x, method: 'saliency' }, '/explain'); // warm the worker and model
  const burst = Array.from({ length: 10 }, () => postJson(h.url, { inputs: x, method: 'ig', steps: 512 }, '/explain'));
  await new Promise((r) => setTimeout(r, 30));
  const t0 = performance.now();
  const p = await postJson(h.url, { inputs: [x] });
  const predictMs = performance.now() - t0;
  assert.equal(p.status, 200, await p.clone().text());
  const answers = await Promise.all(burst);
  const codes = answers.map((r) => r.status);
  assert.equal(codes.filter((c) => c === 200).length, 5, `codes ${codes}`); // 1 running + 4 queued
  const refused = answers.filter((r) => r.status === 429);
  assert.equal(refused.length, 5);
  assert.equal(refused[0]!.headers.get('retry-after'), '1');
  const ran = (await Promise.all(answers.filter((r) => r.status === 200).map((r) => r.json()))) as Array<{ seconds: number }>;
  const busy = ran.reduce((s, r) => s + r.seconds, 0);
  // The prediction did not wait for the explanations (they run on their own thread).
  assert.ok(predictMs < busy * 1000 / 2, `predict took ${predictMs.toFixed(0)} ms while explanations took ${(busy * 1000).toFixed(0)} ms`);
});

test('a photon with explain: false answers 403', async (t) => {
  const manifest = { ...(await digitsPhoton()), explain: false };
  const h = await startTestServer({ manifest });
  t.after(() => h.close());
  const r = await postJson(h.url, { inputs: Array.from(sampleRows(1)) }, '/explain');
  assert.equal(r.status, 403);
  assert.match(((await r.json()) as { error: { message: string } }).error.message, /explain: false/);
});
