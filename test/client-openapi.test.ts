// The control-plane API, its served description and the typed client held against each other:
// every client method's method + path is a documented operation and every documented operation has
// a client method; every answer the platform gives the client matches the documented schema; the
// client's types equal the server's (checked by tsc, below). Also: the docs page loads without a token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { ApiError, OPERATIONS, PlatformClient, type OperationId } from '../src/client/index.js';
import type * as C from '../src/client/index.js';
import type { DeploymentView } from '../src/deploy/control-plane.js';
import { loadKeyRing } from '../src/deploy/keyring.js';
import type { LogSlice } from '../src/deploy/logs.js';
import type { DeploymentHistory, HistorySample } from '../src/deploy/history.js';
import type { RequestRecord } from '../src/gateway/request-log.js';
import type { DeploymentSpec, DeploymentStatus, ReplicaStatus } from '../src/deploy/spec.js';
import type { EventRow, PhotonRow } from '../src/deploy/store.js';
import { createPhoton } from '../src/photon/create.js';
import type { PublicTokenView } from '../src/secure/tokens.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { startTestPlatform } from './platform-helpers.js';

// ---- the client's types are the server's (a difference fails `tsc`, so `npm test`) ----
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Fits<A, B> = [A] extends [B] ? true : false;
const typesAgree: [
  Same<C.Deployment, DeploymentView>,
  Same<C.DeploymentSpec, DeploymentSpec>,
  Same<C.DeploymentStatus, DeploymentStatus>,
  Same<C.ReplicaInfo, ReplicaStatus & { inFlight: number; routed: boolean }>,
  Same<C.Photon, PhotonRow>,
  Same<C.PlatformEvent, EventRow>,
  Same<C.LogSlice, LogSlice & { replica: string }>,
  Same<C.MetricsSample, HistorySample>,
  Same<C.RequestRecord, RequestRecord>,
  Same<Omit<C.DeploymentHistory, 'deployment' | 'intervalMs'>, DeploymentHistory>,
  // the server's scopes are a template-literal union: its tokens fit the client's string[]
  Fits<PublicTokenView, C.TokenInfo>,
  Same<Omit<C.TokenInfo, 'scopes'>, Omit<PublicTokenView, 'scopes'>>,
] = [true, true, true, true, true, true, true, true, true, true, true, true];

interface Doc {
  paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** `GET /api/v1/deployments/{name}` for a concrete request, by matching the document's templates. */
function operationOf(doc: Doc, method: string, pathname: string): string | undefined {
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(pathname) && doc.paths[template]![method.toLowerCase()]) return `${method.toUpperCase()} ${template}`;
  }
  return undefined;
}

test('the client, /api/v1/openapi.json and the API agree', { timeout: 90_000 }, async (t) => {
  assert.ok(typesAgree.every((x) => x));
  const home = mkdtempSync(join(tmpdir(), 'lepton-client-openapi-'));
  const keys = loadKeyRing({ path: join(home, 'master.key'), create: true })!;
  const p = await startTestPlatform({ home, security: { keys } });
  try {
    // the document and the docs page need no token; the API itself still does
    const res = await fetch(`${p.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Doc;
    assert.equal((await fetch(`${p.url}/api/v1/deployments`)).status, 401);
    const page = await fetch(`${p.url}/api/v1/docs`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /swagger-ui-bundle\.js/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/, 'the page may run its own scripts');
    assert.doesNotMatch(csp, /unsafe-eval|\*/);
    assert.equal((await fetch(`${p.url}/api/v1/docs/static/swagger-ui-bundle.js`)).status, 200);

    // documented operations = the client's table, by method, path and operation id
    const documented = new Map<string, string | undefined>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const m of Object.keys(ops).filter((k) => METHODS.includes(k))) documented.set(`${m.toUpperCase()} ${path}`, ops[m]!.operationId);
    }
    const table = new Map(Object.entries(OPERATIONS).map(([id, [m, path]]) => [`${m} ${path}`, id]));
    assert.deepEqual([...documented.keys()].sort(), [...table.keys()].sort(), 'every documented operation has a client method, and no client method is undocumented');
    for (const [k, id] of table) assert.equal(documented.get(k), id, `operationId of ${k}`);

    // each client method sends what its table row says (a recording fetch, no server)
    const sent = new Map<string, string>();
    let last = '';
    const recorder = new PlatformClient('http://127.0.0.1:9', {
      fetch: (async (url: string, init: RequestInit) => {
        last = `${String(init.method)} ${new URL(url).pathname}`;
        return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch,
    });
    for (const ns of ['deployments', 'photons', 'tokens', 'secrets', 'keys', 'events', 'metrics'] as const) {
      const group = recorder[ns] as Record<string, (...a: unknown[]) => Promise<unknown>>;
      for (const [name, fn] of Object.entries(group)) {
        last = '';
        await fn('x', {}).catch(() => undefined);
        sent.set(`${ns}.${name}`, operationOf(doc, last.split(' ')[0]!, last.split(' ')[1]!) ?? `undocumented: ${last}`);
      }
    }
    assert.deepEqual(new Set(sent.keys()), new Set(Object.keys(OPERATIONS)), 'the table lists exactly the client methods');
    for (const [id, op] of sent) assert.equal(op, `${OPERATIONS[id as OperationId][0]} ${OPERATIONS[id as OperationId][1]}`, id);

    // every operation, called for real through the client: each answer fits its documented schema
    const answers: Array<{ op: string; status: number; type: string; body: unknown }> = [];
    const c = new PlatformClient(p.url, {
      token: p.token,
      retries: 0,
      fetch: (async (url: string, init: RequestInit) => {
        const r = await fetch(url, init);
        const type = (r.headers.get('content-type') ?? '').split(';')[0]!;
        const body: unknown = type === 'application/json' ? await r.clone().json() : undefined;
        answers.push({ op: operationOf(doc, String(init.method), new URL(url).pathname) ?? '?', status: r.status, type, body });
        return r;
      }) as typeof fetch,
    });
    const { archive } = await createPhoton({ name: 'tiny', version: '1', model: mlpModel(mlpWeights([4, 8, 3], 5)), labels: ['a', 'b', 'c'] });
    assert.equal((await c.photons.upload(archive)).version, '1');
    assert.deepEqual((await c.photons.list()).map((x) => `${x.name}@${x.version}`), ['tiny@1']);
    assert.deepEqual(await c.photons.archive('tiny', '1'), new Uint8Array(archive), 'the stored archive, decrypted');
    const made = await c.deployments.create({ name: 'c1', photon: 'tiny', replicas: 0, autoscaling: { minReplicas: 0, maxReplicas: 2 } });
    assert.equal(made.spec.photon, 'tiny@1');
    assert.deepEqual((await c.deployments.list()).map((d) => d.spec.name), ['c1']);
    assert.equal((await c.deployments.get('c1')).spec.autoscaling?.maxReplicas, 2);
    assert.equal((await c.deployments.update('c1', { policy: 'round-robin', autoscaling: null })).spec.policy, 'round-robin');
    assert.deepEqual(await c.deployments.replicas('c1'), []);
    assert.deepEqual(await c.deployments.logs('c1', { limit: 100 }), []);
    const hist = await c.deployments.history('c1');
    assert.deepEqual([hist.deployment, hist.intervalMs], ['c1', 1000]);
    assert.deepEqual(await c.deployments.requests('c1', { limit: 5 }), [], 'no request reached c1 yet');
    assert.equal(typeof (await c.metrics.sample()).t, 'number');
    assert.ok((await c.events.list({ deployment: 'c1', limit: 10 })).some((e) => e.type === 'created'));
    const tok = await c.tokens.create({ name: 'sdk', scopes: ['read'], rateLimit: 20, expires: '1d' });
    assert.deepEqual([tok.rateLimit, tok.rateLimitSource, tok.status], [20, 'token', 'active']);
    assert.ok((await c.tokens.list()).some((x) => x.id === tok.id));
    assert.deepEqual(await c.tokens.revoke(tok.id), { revoked: tok.id });
    assert.deepEqual(await c.secrets.set('API_KEY', 's3cret'), { name: 'API_KEY' });
    assert.deepEqual(await c.secrets.list(), ['API_KEY']);
    assert.deepEqual(await c.secrets.remove('API_KEY'), { removed: 'API_KEY' });
    assert.equal((await c.keys.rotate()).secrets, 0);
    assert.deepEqual(await c.deployments.remove('c1'), { removed: 'c1' });
    // typed errors: the envelope's code, message and field, with the HTTP status
    await assert.rejects(c.deployments.get('ghost'), (e: unknown) => e instanceof ApiError && e.code === 'LEPTON_ERR_DEPLOYMENT_NOT_FOUND' && e.httpStatus === 404 && e.status === 404);
    await assert.rejects(c.tokens.create({ name: 'x', scopes: 'read', rateLimit: 0 }),
      (e: unknown) => e instanceof ApiError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT' && e.details?.['field'] === 'rateLimit' && /rateLimit/.test(e.message));
    await assert.rejects(c.deployments.create({ name: 'Bad', photon: 'tiny' }), (e: unknown) => e instanceof ApiError && e.details?.['field'] === 'name');
    await assert.rejects(new PlatformClient(p.url, { retries: 0 }).deployments.list(), (e: unknown) => e instanceof ApiError && e.httpStatus === 401 && e.code === 'LEPTON_ERR_UNAUTHENTICATED');

    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(doc as object, 'doc');
    const pointer = (...parts: string[]): string => `doc#/${parts.map((x) => encodeURIComponent(x.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
    for (const a of answers) {
      const [method, path] = a.op.split(' ') as [string, string];
      const responses = doc.paths[path]![method.toLowerCase()]!.responses;
      const key = String(a.status) in responses ? String(a.status) : `${String(a.status)[0]}XX`;
      assert.ok(responses[key]?.content?.[a.type], `${a.op} ${a.status}: ${a.type} not documented`);
      if (a.type !== 'application/json') continue; // bytes: the documented media type is all there is to check
      const validate = ajv.compile({ $ref: pointer('paths', path, method.toLowerCase(), 'responses', key, 'content', 'application/json', 'schema') });
      assert.ok(validate(a.body), `${a.op} ${a.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(a.body).slice(0, 300)}`);
    }
    const exercised = new Set(answers.filter((a) => a.status < 300).map((a) => a.op));
    assert.deepEqual([...documented.keys()].filter((k) => !exercised.has(k)), [], 'every documented operation answered for real');
    t.diagnostic(`${answers.length} answers checked against the document`);
  } finally {
    await p.dispose();
  }
});
