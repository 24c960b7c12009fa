// REST API edges without spawning replicas: error envelopes for bad JSON, media types, unknown
// routes and names, bad queries; photon upload through the API; the front door's health and metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../onnx/builder.js';
import { createPhoton } from '../photon/create.js';
import { startPlatform, type Platform } from './platform.js';

let p: Platform;
let home: string;
before(async () => {
  home = mkdtempSync(join(tmpdir(), 'lepton-api-'));
  p = await startPlatform({ home, port: 0, host: '127.0.0.1' });
});
after(async () => {
  await p.close();
  rmSync(home, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: string | Uint8Array, type = 'application/json') {
  const auth = { authorization: `Bearer ${p.adminToken!}` };
  const r = await fetch(`${p.url}${path}`, { method, headers: { ...auth, ...(body === undefined ? {} : { 'content-type': type }) }, ...(body === undefined ? {} : { body }) });
  return { status: r.status, json: (await r.json()) as { error?: { code: string; message: string } } & Record<string, unknown> };
}

test('bad bodies and unknown things answer with the error envelope and the mapped status', async () => {
  const cases: Array<[string, string, string | undefined, string, number, string]> = [
    ['POST', '/api/v1/deployments', '{"name": ', 'application/json', 400, 'LEPTON_ERR_INVALID_JSON'],
    ['POST', '/api/v1/deployments', 'name=x', 'text/plain', 415, 'LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['POST', '/api/v1/deployments', '{"name":"x"}', 'application/json', 400, 'LEPTON_ERR_INVALID_ARGUMENT'],
    ['POST', '/api/v1/deployments', '{"name":"x","photon":"ghost"}', 'application/json', 404, 'LEPTON_ERR_PHOTON_NOT_FOUND'],
    ['GET', '/api/v1/deployments/ghost', undefined, '', 404, 'LEPTON_ERR_DEPLOYMENT_NOT_FOUND'],
    ['PATCH', '/api/v1/deployments/ghost', '{"replicas":1}', 'application/json', 404, 'LEPTON_ERR_DEPLOYMENT_NOT_FOUND'],
    ['DELETE', '/api/v1/deployments/ghost', undefined, '', 404, 'LEPTON_ERR_DEPLOYMENT_NOT_FOUND'],
    ['GET', '/api/v1/events?limit=zero', undefined, '', 400, 'LEPTON_ERR_INVALID_ARGUMENT'],
    ['GET', '/api/v1/nothing-here', undefined, '', 404, 'LEPTON_ERR_NOT_FOUND'],
    ['POST', '/api/v1/photons', 'not an archive', 'application/octet-stream', 422, 'LEPTON_ERR_INTEGRITY'],
    ['POST', '/deployments/ghost/predict', '{}', 'application/json', 404, 'LEPTON_ERR_DEPLOYMENT_NOT_FOUND'],
  ];
  for (const [method, path, body, type, status, code] of cases) {
    const r = await call(method, path, body, type);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error?.code, code, `${method} ${path}`);
    assert.ok((r.json.error?.message.length ?? 0) > 5);
  }
  // The server is still fine afterwards.
  assert.equal((await call('GET', '/healthz')).status, 200);
});

test('a photon uploaded through the API is stored, listed, and idempotent', async () => {
  const model = buildModel({
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 2] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 2] }],
    nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
  });
  const { archive } = await createPhoton({ name: 'relu', version: '3', model });
  const up = await call('POST', '/api/v1/photons', archive, 'application/octet-stream');
  assert.equal(up.status, 201, JSON.stringify(up.json));
  assert.equal(up.json['version'], '3');
  const list = await call('GET', '/api/v1/photons');
  assert.deepEqual((list.json['photons'] as Array<{ name: string }>).map((x) => x.name), ['relu']);
  const again = await call('POST', '/api/v1/photons', archive, 'application/octet-stream');
  assert.equal(again.status, 201, 'the same bytes again are idempotent');
  const metrics = await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${p.adminToken!}` } });
  assert.match(await metrics.text(), /lepton_frontdoor_process_cpu_seconds_total/);
});
