// The one HTTP error writer: fastify and Node errors mapped onto LEPTON_ERR_* codes, internal errors
// masked on the wire but logged with the original, Retry-After / Allow / WWW-Authenticate, and the same
// envelope from a raw Node response (the gateway), fastify (server, API) and the socket-level responder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { LeptonError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { clientErrorResponder, envelope, frameworkErrors, httpError, installFastifyErrors, sendError } from './http-errors.js';

/** A logger whose lines land in `lines` (parsed). */
function capture(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination: dest }), lines };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('httpError maps framework errors to our codes and unknown throws to a masked internal error', () => {
  const big = httpError(Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }));
  assert.equal(big.code, 'LEPTON_ERR_PAYLOAD_TOO_LARGE');
  assert.equal(big.status, 413);
  assert.equal(httpError(new SyntaxError('Unexpected token')).code, 'LEPTON_ERR_INVALID_JSON');
  assert.equal(httpError(Object.assign(new Error('nope'), { statusCode: 415 })).status, 415);
  const own = new LeptonError('LEPTON_ERR_NOT_FOUND', 'no such thing');
  assert.equal(httpError(own), own);
  const unknown = httpError(new Error('ENOENT /var/lib/lepton/secret.db'));
  assert.equal(unknown.code, 'LEPTON_ERR_INTERNAL');
  assert.deepEqual(envelope(unknown), { error: { code: 'LEPTON_ERR_INTERNAL', message: 'internal error' } });
  assert.equal(httpError(null).code, 'LEPTON_ERR_INTERNAL');
});

test('envelope: the message and details of a deliberate internal error are masked too; others pass through', () => {
  const internal = new LeptonError('LEPTON_ERR_INTERNAL', 'store at /srv/x is corrupt', { details: { path: '/srv/x' } });
  assert.deepEqual(envelope(internal), { error: { code: 'LEPTON_ERR_INTERNAL', message: 'internal error' } });
  const bad = new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', 'needs 784 values', { details: { expected: [784] } });
  assert.deepEqual(envelope(bad), { error: { code: 'LEPTON_ERR_SHAPE_MISMATCH', message: 'needs 784 values', details: { expected: [784] } } });
});

test('sendError on a raw response: masked 500 logged with the original, Retry-After rounded up, 401 challenge', async () => {
  const { log, lines } = capture();
  const errors: Record<string, unknown> = {
    '/boom': new Error('password=hunter2 at db.ts:12'),
    '/internal': new LeptonError('LEPTON_ERR_INTERNAL', 'replica table inconsistent'),
    '/busy': new LeptonError('LEPTON_ERR_OVERLOADED', 'overloaded', { retryAfter: 2.2 }),
    '/auth': new LeptonError('LEPTON_ERR_UNAUTHENTICATED', 'a bearer token is required'),
  };
  const server = createServer((req, res) => {
    if (req.url === '/auth-preset') res.setHeader('www-authenticate', 'Bearer realm="lepton", error="invalid_token"');
    sendError(res, errors[req.url ?? ''] ?? errors['/auth'], log, req.url);
  });
  const url = await listen(server);
  try {
    for (const path of ['/boom', '/internal']) {
      const r = await fetch(url + path);
      assert.equal(r.status, 500);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      const text = await r.text();
      assert.deepEqual(JSON.parse(text), { error: { code: 'LEPTON_ERR_INTERNAL', message: 'internal error' } });
      assert.doesNotMatch(text, /hunter2|inconsistent|\bat\b/);
    }
    const logged = lines.filter((l) => l['level'] === 50);
    assert.equal(logged.length, 2, 'each internal error is logged at error level');
    assert.match(JSON.stringify(logged[0]!['err']), /hunter2/, 'the log keeps the original error');
    assert.match(JSON.stringify(logged[1]!['err']), /replica table inconsistent/);
    const busy = await fetch(url + '/busy');
    assert.equal(busy.status, 503);
    assert.equal(busy.headers.get('retry-after'), '3');
    assert.equal(((await busy.json()) as { error: { code: string } }).error.code, 'LEPTON_ERR_OVERLOADED');
    const auth = await fetch(url + '/auth');
    assert.equal(auth.status, 401);
    assert.equal(auth.headers.get('www-authenticate'), 'Bearer realm="lepton"');
    const preset = await fetch(url + '/auth-preset');
    assert.equal(preset.headers.get('www-authenticate'), 'Bearer realm="lepton", error="invalid_token"', 'a precise challenge already set is kept');
    assert.equal(lines.filter((l) => l['level'] === 50).length, 2, 'a 401 or an overload 503 is not logged as a fault');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('installFastifyErrors and frameworkErrors: masked 500, Retry-After, Allow, 404 hint, router errors, extra headers', async () => {
  const { log, lines } = capture();
  const app = Fastify({ logger: false, frameworkErrors: frameworkErrors({ log, headers: { 'x-lepton-replica': 'r1' } }) });
  installFastifyErrors(app, { log, notFoundHint: 'the API lives under /api/v1' });
  app.get('/boom', async () => {
    throw new TypeError("Cannot read properties of undefined (reading 'token')");
  });
  app.get('/full', async () => {
    throw new LeptonError('LEPTON_ERR_QUEUE_FULL', 'queue full', { retryAfter: 4 });
  });
  app.get('/method', async () => {
    throw Object.assign(new LeptonError('LEPTON_ERR_METHOD_NOT_ALLOWED', 'use GET'), { allow: 'GET, HEAD' });
  });
  app.post('/json', async () => ({ ok: true }));
  app.get('/p/:id', async () => ({ ok: true }));
  await app.ready();
  try {
    const boom = await app.inject({ url: '/boom' });
    assert.equal(boom.statusCode, 500);
    assert.deepEqual(boom.json(), { error: { code: 'LEPTON_ERR_INTERNAL', message: 'internal error' } });
    assert.doesNotMatch(boom.body, /token|TypeError/);
    const faults = lines.filter((l) => l['level'] === 50);
    assert.equal(faults.length, 1);
    assert.equal(faults[0]!['url'], '/boom');
    assert.match(JSON.stringify(faults[0]!['err']), /reading 'token'/);

    const full = await app.inject({ url: '/full' });
    assert.equal(full.statusCode, 429);
    assert.equal(full.headers['retry-after'], '4');
    const method = await app.inject({ url: '/method' });
    assert.equal(method.statusCode, 405);
    assert.equal(method.headers['allow'], 'GET, HEAD');

    const missing = await app.inject({ url: '/nowhere?x=1' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { error: { code: 'LEPTON_ERR_NOT_FOUND', message: 'no route GET /nowhere; the API lives under /api/v1' } });

    const badJson = await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json<{ error: { code: string } }>().error.code, 'LEPTON_ERR_INVALID_JSON');

    const badUrl = await app.inject({ url: '/p/%zz' });
    assert.equal(badUrl.statusCode, 400);
    assert.equal(badUrl.json<{ error: { code: string } }>().error.code, 'LEPTON_ERR_INVALID_ARGUMENT');
    assert.equal(badUrl.headers['x-lepton-replica'], 'r1', 'router errors skip the hooks, so the writer adds the headers');
  } finally {
    await app.close();
  }
});

test('clientErrorResponder answers a malformed request line with the envelope and the given headers, then closes', async () => {
  const server = createServer(() => {});
  server.on('clientError', clientErrorResponder({ 'x-lepton-replica': 'front-door' }));
  const url = new URL(await listen(server));
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(url.port), '127.0.0.1', () => sock.write('NOT A REQUEST\r\n\r\n'));
      let text = '';
      sock.setTimeout(5000, () => sock.destroy(new Error('no answer')));
      sock.on('data', (c: Buffer) => (text += c.toString()));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(answer, /\r\nx-lepton-replica: front-door\r\n/);
    assert.match(answer, /\r\nConnection: close\r\n/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
    assert.equal(body.error.code, 'LEPTON_ERR_INVALID_ARGUMENT');
  } finally {
    await new Promise((r) => server.close(r));
  }
});
