// The client SDK against a real model server, and its retry policy against a scripted server:
// 429/503 retried (Retry-After honoured), other errors surfaced once, timeouts and dead hosts typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Client } from '../src/client/index.js';
import { LeptonError } from '../src/core/errors.js';
import { LABELS, expected, sampleRows, startTestServer } from './fixtures/serve-helpers.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

/** A server that answers from a script, recording each request. */
async function scripted(answers: Array<(res: ServerResponse) => void>): Promise<{ url: string; seen: IncomingMessage[]; close: () => Promise<void> }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    req.resume();
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise((r) => server.close(() => r())) };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const OK = json(200, { predictions: [{ index: 1, label: 'one', score: 0.9 }], model: 'm@1' });

test('predict, infer and health against a real server', async () => {
  const h = await startTestServer();
  try {
    const c = new Client(h.url, { timeoutMs: 5000 });
    const x = sampleRows(2, 12);
    const rows = [Array.from(x.subarray(0, 784)), Array.from(x.subarray(784))];
    const p = await c.predict(rows);
    assert.equal(p.model, 'digits@1');
    assert.deepEqual(p.predictions.map((q) => q.index), expected(x, 2).map((q) => q.index));
    const b = await c.predict(x, { raw: true });
    assert.deepEqual(b.predictions, p.predictions);
    assert.deepEqual(b.outputs?.['output']?.dims, [2, 10]);
    const inf = await c.infer('digits', [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: rows[0]! }]);
    assert.equal(inf.outputs[0]!.data.length, 10);
    assert.equal((await c.health()).model, 'digits@1');
    await assert.rejects(c.predict([[1, 2]]), code('LEPTON_ERR_SHAPE_MISMATCH'));
    await assert.rejects(c.infer('nope', []), code('LEPTON_ERR_MODEL_NOT_FOUND'));
    assert.equal(LABELS[p.predictions[0]!.index], p.predictions[0]!.label);
  } finally {
    await h.close();
  }
});

test('429 and 503 are retried (honouring Retry-After) and the bearer token is sent', async () => {
  const s = await scripted([json(429, { error: { code: 'LEPTON_ERR_QUEUE_FULL', message: 'full' } }, { 'retry-after': '0' }), json(503, { error: { code: 'LEPTON_ERR_NOT_READY', message: 'draining' } }), OK]);
  try {
    const c = new Client(s.url, { token: 'tok-123', retries: 3, backoffMs: 1 });
    const r = await c.predict([[1, 2]]);
    assert.equal(r.predictions[0]!.label, 'one');
    assert.equal(s.seen.length, 3);
    assert.ok(s.seen.every((q) => q.headers.authorization === 'Bearer tok-123'));
  } finally {
    await s.close();
  }
});

test('retries stop at the limit and surface the server error', async () => {
  const s = await scripted([json(503, { error: { code: 'LEPTON_ERR_OVERLOADED', message: 'busy' } }, { 'retry-after': '0' })]);
  try {
    const c = new Client(s.url, { retries: 2, backoffMs: 1 });
    await assert.rejects(c.health(), (e: unknown) => code('LEPTON_ERR_OVERLOADED')(e) && (e as LeptonError).retryAfter === 0);
    assert.equal(s.seen.length, 3);
  } finally {
    await s.close();
  }
});

test('a client error (4xx) or a 500 is not retried', async () => {
  const s = await scripted([json(400, { error: { code: 'LEPTON_ERR_INVALID_INPUT', message: 'bad', details: { field: 'inputs' } } })]);
  try {
    const c = new Client(s.url, { retries: 3, backoffMs: 1 });
    await assert.rejects(c.predict([[1]]), (e: unknown) => code('LEPTON_ERR_INVALID_INPUT')(e) && (e as LeptonError).details?.['field'] === 'inputs');
    assert.equal(s.seen.length, 1);
  } finally {
    await s.close();
  }
  const t = await scripted([(res) => res.writeHead(500).end('oops')]);
  try {
    await assert.rejects(new Client(t.url, { retries: 3, backoffMs: 1 }).health(), code('LEPTON_ERR_UPSTREAM'));
    assert.equal(t.seen.length, 1);
  } finally {
    await t.close();
  }
});

test('a timeout is LEPTON_ERR_DEADLINE_EXCEEDED; a dead host is retried then LEPTON_ERR_UPSTREAM', async () => {
  const s = await scripted([() => {}]); // never answers
  try {
    await assert.rejects(new Client(s.url, { timeoutMs: 100, retries: 0 }).health(), code('LEPTON_ERR_DEADLINE_EXCEEDED'));
  } finally {
    s.seen.forEach((q) => q.socket.destroy());
    await s.close();
  }
  const dead = await scripted([OK]);
  await dead.close();
  await assert.rejects(new Client(dead.url, { retries: 2, backoffMs: 1 }).health(), code('LEPTON_ERR_UPSTREAM'));
  assert.throws(() => new Client('ftp://x'), code('LEPTON_ERR_INVALID_ARGUMENT'));
});
