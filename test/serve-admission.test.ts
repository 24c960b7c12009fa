// Admission control and lifecycle over HTTP: 429 + Retry-After when the queue is full, 504 when a
// deadline passes, readiness failing first on shutdown while queued work still completes, SIGTERM,
// batching of concurrent requests, and a photon handler (routes + postprocess).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeptonError } from '../src/core/errors.js';
import { createPhoton } from '../src/photon/create.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import { servePhoton } from '../src/serve/serve-photon.js';
import { LABELS, MODEL, expected, postJson, sampleRows, startTestServer } from './fixtures/serve-helpers.js';

const body = (seed = 1): { inputs: number[][] } => ({ inputs: [Array.from(sampleRows(1, seed))] });

test('a full queue answers 429 LEPTON_ERR_QUEUE_FULL with Retry-After; admitted requests succeed', async () => {
  // A long wait and a large batch keep the first three requests queued while the next arrive.
  const h = await startTestServer({ batching: { maxQueue: 3, maxBatch: 64, maxWaitMs: 600 } });
  try {
    const admitted = [1, 2, 3].map((i) => postJson(h.url, body(i)));
    await new Promise((r) => setTimeout(r, 150));
    const refused = await Promise.all([4, 5].map((i) => postJson(h.url, body(i))));
    for (const r of refused) {
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'LEPTON_ERR_QUEUE_FULL');
    }
    for (const [i, p] of admitted.entries()) {
      const r = await p;
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { predictions: Array<{ index: number }> }).predictions[0]!.index, expected(sampleRows(1, i + 1), 1)[0]!.index);
    }
    assert.equal((await postJson(h.url, body())).status, 200);
  } finally {
    await h.close();
  }
});

test('a request past its deadline answers 504 LEPTON_ERR_DEADLINE_EXCEEDED', async () => {
  const h = await startTestServer({ batching: { timeoutMs: 20, maxWaitMs: 2000, maxBatch: 64 } });
  try {
    const r = await postJson(h.url, body());
    assert.equal(r.status, 504);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'LEPTON_ERR_DEADLINE_EXCEEDED');
    const text = await (await fetch(h.url + '/metrics')).text();
    assert.match(text, /lepton_requests_total\{route="\/predict",code="504"/);
    assert.doesNotMatch(text, /lepton_batch_size_count\{[^}]*\} [1-9]/, 'the expired request was never computed');
  } finally {
    await h.close();
  }
});

test('concurrent requests are batched into fewer engine runs, each answered correctly', async () => {
  const h = await startTestServer({ batching: { maxWaitMs: 20, maxBatch: 64 } });
  try {
    const n = 24;
    const rs = await Promise.all(Array.from({ length: n }, (_, i) => postJson(h.url, body(100 + i))));
    for (let i = 0; i < n; i++) {
      const p = ((await rs[i]!.json()) as { predictions: Array<{ index: number }> }).predictions[0]!;
      assert.equal(p.index, expected(sampleRows(1, 100 + i), 1)[0]!.index);
    }
    const text = await (await fetch(h.url + '/metrics')).text();
    const batches = Number(/lepton_batch_size_count\{[^}]*\} (\d+)/.exec(text)?.[1]);
    const rows = Number(/lepton_batch_size_sum\{[^}]*\} (\d+)/.exec(text)?.[1]);
    assert.equal(rows, n);
    assert.ok(batches < n, `${batches} batches for ${n} requests`);
  } finally {
    await h.close();
  }
});

test('graceful close: readiness fails first, queued requests still finish, new ones get 503', async () => {
  const h = await startTestServer({ batching: { maxWaitMs: 300, maxBatch: 64 }, drainDelayMs: 150 });
  const inflight = postJson(h.url, body(5));
  await new Promise((r) => setTimeout(r, 50));
  const closing = h.close();
  await new Promise((r) => setTimeout(r, 20));
  const ready = await fetch(h.url + '/v2/health/ready');
  assert.equal(ready.status, 503);
  assert.equal((await fetch(h.url + '/healthz')).status, 503);
  const r = await inflight;
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { predictions: Array<{ index: number }> }).predictions[0]!.index, expected(sampleRows(1, 5), 1)[0]!.index);
  await closing;
  await assert.rejects(fetch(h.url + '/healthz'));
});

test('SIGTERM: the process drains queued work, then exits 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'serve-child.ts'), '400'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /ready (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const inflight = postJson(url, body(6)); // waits ~400 ms in the batcher
    await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { predictions: Array<{ index: number }> }).predictions[0]!.index, expected(sampleRows(1, 6), 1)[0]!.index);
    assert.equal(await exited, 0);
    assert.match(out, /stopped SIGTERM/);
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
  }
});

test('a photon handler adds routes and post-processes predictions', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-handler-test-'));
  try {
    const registry = new PhotonRegistry({ home });
    const handlerSource = readFileSync(join(import.meta.dirname, '..', 'examples', 'handler-topk', 'handler.mjs'));
    const { archive } = await createPhoton({ name: 'digits', version: '1', model: MODEL, labels: LABELS, handlerSource });
    await registry.add(archive);
    const h = await servePhoton({ ref: 'digits', home, port: 0 });
    try {
      assert.deepEqual(await (await fetch(h.url + '/labels')).json(), { labels: LABELS });
      const res = (await (await postJson(h.url, body(9))).json()) as { predictions: Array<{ index: number; top3: Array<{ index: number }> }> };
      assert.equal(res.predictions[0]!.top3.length, 3);
      assert.equal(res.predictions[0]!.top3[0]!.index, res.predictions[0]!.index);
      // loaded from memory: nothing of the photon was unpacked to disk
      assert.deepEqual(readdirSync(join(home, 'photons')).sort(), ['index.json', 'objects']);
    } finally {
      await h.close();
    }
    // a handler that reaches for a file beside it is refused with the rule, not a stack trace
    const relative = Buffer.from("import x from './util.mjs';\nexport default { postprocess: (r) => r };\n");
    const bad = await createPhoton({ name: 'rel', version: '1', model: MODEL, labels: LABELS, handlerSource: relative });
    await registry.add(bad.archive);
    await assert.rejects(servePhoton({ ref: 'rel', home, port: 0 }), (e: unknown) => {
      assert.ok(e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT', String(e));
      assert.match(e.message, /handler\.mjs failed to load: .*self-contained module/);
      return true;
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('x-lepton-timeout-ms shortens a request deadline at the model server (/predict and OIP infer); a bad value is a 400', async () => {
  // a lone request waits 2 s for its batch to fill: only the short deadline ends it sooner
  const h = await startTestServer({ batching: { maxWaitMs: 2000, maxBatch: 64 } });
  try {
    const t0 = performance.now();
    const r = await fetch(`${h.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lepton-timeout-ms': '50' }, body: JSON.stringify(body()) });
    assert.equal(r.status, 504);
    assert.ok(performance.now() - t0 < 1000, 'the short deadline, not the 2 s wait, ended it');
    const oip = await fetch(`${h.url}/v2/models/digits/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lepton-timeout-ms': '50' },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: body().inputs[0] }] }),
    });
    assert.equal(oip.status, 504);
    // every answer carries the server's own time, which the gateway's concurrency limit follows
    assert.match(r.headers.get('server-timing') ?? '', /^app;dur=[0-9.]+$/);
    for (const bad of ['0', 'x', '1.5', '-1']) {
      const b = await fetch(`${h.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-lepton-timeout-ms': bad }, body: JSON.stringify(body()) });
      assert.equal(b.status, 400, bad);
      assert.equal(((await b.json()) as { error: { code: string } }).error.code, 'LEPTON_ERR_INVALID_ARGUMENT');
    }
  } finally {
    await h.close();
  }
});
