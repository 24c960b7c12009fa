// Every bad-input case from the issue is its own test: the answer is the error envelope with the
// right LEPTON_ERR_* code and status, no stack trace, and the server still answers correctly after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, pngChunk, pngIhdr, PNG_SIGNATURE, encodePng } from '../src/data/png.js';
import { type ServerHandle } from '../src/serve/server.js';
import { expected, postJson, rawRequest, sampleRows, startTestServer } from './fixtures/serve-helpers.js';

let h: ServerHandle;
before(async () => {
  h = await startTestServer({ bodyLimit: 64 * 1024, requestTimeoutMs: 400, limitInputPixels: 1000 * 1000 });
});
after(async () => {
  await h.close();
});

async function expectError(r: Response, status: number, code: string): Promise<string> {
  const text = await r.text();
  assert.equal(r.status, status, text);
  assert.equal(r.headers.get('x-lepton-replica'), 'test-replica');
  const body = JSON.parse(text) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code, text);
  assert.ok(body.error.message.length > 0);
  assert.ok(!/\bat .*\.(ts|js):\d+/.test(text), 'no stack trace');
  await stillServes();
  return body.error.message;
}

async function stillServes(): Promise<void> {
  const x = sampleRows(1, 77);
  const r = await postJson(h.url, { inputs: [Array.from(x)] });
  assert.equal(r.status, 200);
  const p = ((await r.json()) as { predictions: Array<{ index: number }> }).predictions;
  assert.equal(p[0]!.index, expected(x, 1)[0]!.index);
}

const row = (): number[] => Array.from(sampleRows(1, 5));

test('invalid JSON → 400 LEPTON_ERR_INVALID_JSON (/predict and OIP)', async () => {
  await expectError(await postJson(h.url, '{"inputs": [[1, 2,'), 400, 'LEPTON_ERR_INVALID_JSON');
  await expectError(await postJson(h.url, '{"inputs": [[1]]} trailing'), 400, 'LEPTON_ERR_INVALID_JSON');
  await expectError(await postJson(h.url, '{"inputs": [1,', '/v2/models/digits/infer'), 400, 'LEPTON_ERR_INVALID_JSON');
  await expectError(await postJson(h.url, ''), 400, 'LEPTON_ERR_INVALID_JSON');
});

test('a missing field → 400 LEPTON_ERR_INVALID_INPUT naming it', async () => {
  assert.match(await expectError(await postJson(h.url, { data: [row()] }), 400, 'LEPTON_ERR_INVALID_INPUT'), /inputs/);
  assert.match(await expectError(await postJson(h.url, {}, '/v2/models/digits/infer'), 400, 'LEPTON_ERR_INVALID_INPUT'), /inputs/);
  await expectError(await postJson(h.url, { inputs: [{ shape: [1, 784], datatype: 'FP32', data: row() }] }, '/v2/models/digits/infer'), 400, 'LEPTON_ERR_INVALID_INPUT');
});

test('the wrong shape or element count → 400 LEPTON_ERR_SHAPE_MISMATCH', async () => {
  assert.match(await expectError(await postJson(h.url, { inputs: [[1, 2, 3]] }), 400, 'LEPTON_ERR_SHAPE_MISMATCH'), /784/);
  await expectError(await postJson(h.url, { inputs: [row(), [1, 2]] }), 400, 'LEPTON_ERR_SHAPE_MISMATCH');
  await expectError(await postJson(h.url, { inputs: [[[1, 2], [3]]] }), 400, 'LEPTON_ERR_SHAPE_MISMATCH');
  await expectError(await postJson(h.url, { inputs: [] }), 400, 'LEPTON_ERR_SHAPE_MISMATCH');
  const oip = { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: [1, 2, 3] }] };
  await expectError(await postJson(h.url, oip, '/v2/models/digits/infer'), 400, 'LEPTON_ERR_SHAPE_MISMATCH');
  const oip2 = { inputs: [{ name: 'input', shape: [1, 783], datatype: 'FP32', data: row().slice(1) }] };
  await expectError(await postJson(h.url, oip2, '/v2/models/digits/infer'), 400, 'LEPTON_ERR_SHAPE_MISMATCH');
  await expectError(await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(10) }), 400, 'LEPTON_ERR_SHAPE_MISMATCH');
});

test('NaN or Infinity → 400', async () => {
  await expectError(await postJson(h.url, `{"inputs": [[${row().slice(1).join(',')},NaN]]}`), 400, 'LEPTON_ERR_INVALID_JSON');
  await expectError(await postJson(h.url, `{"inputs": [[Infinity,${row().slice(1).join(',')}]]}`), 400, 'LEPTON_ERR_INVALID_JSON');
  await expectError(await postJson(h.url, `{"inputs": [[1e39,${row().slice(1).join(',')}]]}`), 400, 'LEPTON_ERR_INVALID_INPUT');
  const oip = `{"inputs": [{"name": "input", "shape": [1, 784], "datatype": "FP32", "data": [1e400${',0'.repeat(783)}]}]}`;
  await expectError(await postJson(h.url, oip, '/v2/models/digits/infer'), 400, 'LEPTON_ERR_INVALID_INPUT');
  const bin = new Float32Array(784).fill(0.5);
  bin[3] = NaN;
  await expectError(await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bin.buffer) }), 400, 'LEPTON_ERR_INVALID_INPUT');
});

test('strings where numbers belong → 400 LEPTON_ERR_INVALID_INPUT', async () => {
  const r = row().map(String);
  assert.match(await expectError(await postJson(h.url, { inputs: [r] }), 400, 'LEPTON_ERR_INVALID_INPUT'), /string/);
  await expectError(await postJson(h.url, { inputs: 'all of them' }), 400, 'LEPTON_ERR_INVALID_INPUT');
  await expectError(await postJson(h.url, { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: r }] }, '/v2/models/digits/infer'), 400, 'LEPTON_ERR_INVALID_INPUT');
});

test('the wrong OIP datatype → 400 LEPTON_ERR_DTYPE', async () => {
  for (const datatype of ['INT64', 'BYTES', 'fp32', 7]) {
    const body = { inputs: [{ name: 'input', shape: [1, 784], datatype, data: row() }] };
    assert.match(await expectError(await postJson(h.url, body, '/v2/models/digits/infer'), 400, 'LEPTON_ERR_DTYPE'), /FP32/);
  }
});

test('a body over the limit → 413 LEPTON_ERR_PAYLOAD_TOO_LARGE (JSON, binary, image, OIP)', async () => {
  const big = JSON.stringify({ inputs: Array.from({ length: 10 }, () => row()) });
  assert.ok(big.length > 64 * 1024);
  await expectError(await postJson(h.url, big), 413, 'LEPTON_ERR_PAYLOAD_TOO_LARGE');
  await expectError(await postJson(h.url, big, '/v2/models/digits/infer'), 413, 'LEPTON_ERR_PAYLOAD_TOO_LARGE');
  await expectError(await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(70_000) }), 413, 'LEPTON_ERR_PAYLOAD_TOO_LARGE');
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(70_000)], { type: 'image/png' }), 'big.png');
  await expectError(await fetch(h.url + '/predict', { method: 'POST', body: form }), 413, 'LEPTON_ERR_PAYLOAD_TOO_LARGE');
});

test('a corrupt PNG → 400 LEPTON_ERR_IMAGE_DECODE', async () => {
  const good = encodePng(new Float32Array(784).fill(0.3), 28, 28);
  const corrupt = good.slice(0, good.length - 30);
  corrupt[40] = corrupt[40]! ^ 0xff;
  await expectError(await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'image/png' }, body: corrupt }), 400, 'LEPTON_ERR_IMAGE_DECODE');
  await expectError(await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new TextEncoder().encode('not a jpeg at all') }), 400, 'LEPTON_ERR_IMAGE_DECODE');
  const form = new FormData();
  form.append('file', new Blob([corrupt], { type: 'image/png' }), 'bad.png');
  await expectError(await fetch(h.url + '/predict', { method: 'POST', body: form }), 400, 'LEPTON_ERR_IMAGE_DECODE');
});

test('an image whose header claims 100k × 100k pixels is refused before decoding (413)', async () => {
  // A valid signature and IHDR, no real pixel data: only the header is ever read.
  const bomb = concatBytes([PNG_SIGNATURE, pngChunk('IHDR', pngIhdr(100_000, 100_000)), pngChunk('IDAT', new Uint8Array(16)), pngChunk('IEND', new Uint8Array())]);
  await expectError(await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bomb }), 413, 'LEPTON_ERR_IMAGE_TOO_LARGE');
});

test('an unknown model name → 404 LEPTON_ERR_MODEL_NOT_FOUND', async () => {
  await expectError(await postJson(h.url, { inputs: [] }, '/v2/models/nope/infer'), 404, 'LEPTON_ERR_MODEL_NOT_FOUND');
  await expectError(await fetch(h.url + '/v2/models/nope'), 404, 'LEPTON_ERR_MODEL_NOT_FOUND');
  await expectError(await fetch(h.url + '/v2/models/digits/versions/9/ready'), 404, 'LEPTON_ERR_MODEL_NOT_FOUND');
  await expectError(await fetch(h.url + '/no/such/route'), 404, 'LEPTON_ERR_NOT_FOUND');
});

test('a wrong method → 405 LEPTON_ERR_METHOD_NOT_ALLOWED with Allow', async () => {
  const r = await fetch(h.url + '/predict', { method: 'GET' });
  assert.equal(r.headers.get('allow'), 'POST');
  await expectError(r, 405, 'LEPTON_ERR_METHOD_NOT_ALLOWED');
  await expectError(await fetch(h.url + '/healthz', { method: 'DELETE' }), 405, 'LEPTON_ERR_METHOD_NOT_ALLOWED');
  await expectError(await fetch(h.url + '/v2/models/digits/infer', { method: 'PUT', body: '{}' }), 405, 'LEPTON_ERR_METHOD_NOT_ALLOWED');
});

test('an unsupported Content-Type → 415', async () => {
  await expectError(await fetch(h.url + '/predict', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: '1,2,3' }), 415, 'LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE');
});

test('a slowloris client that never finishes its body gets 408 LEPTON_ERR_REQUEST_TIMEOUT', async () => {
  const u = new URL(h.url);
  const started = Date.now();
  const answer = await rawRequest(h.url, `POST /predict HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"inputs": [[0.1,`, 5000);
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.match(answer, /x-lepton-replica: test-replica/i);
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
  assert.equal(body.error.code, 'LEPTON_ERR_REQUEST_TIMEOUT');
  assert.ok(Date.now() - started < 4000);
  await stillServes();
});
