// Issue 21 defect 1: a lower-scope token must never reach a higher-scope route by spelling its path
// another way (%-escapes, double escapes, case, dot segments, slashes, `;params`, queries, the
// absolute request form). Every route of the front door and the gateway's deployment routes are
// tried under every spelling from path-variants.ts with raw request targets (undici's dispatcher
// sends the path as given; fetch/URL would normalise it). Also: the route table itself declares a
// scope for every route, refusals reach the audit log, and `security: false` still serves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Pool } from 'undici';
import { createPhoton } from '../src/photon/create.js';
import { loadKeyRing } from '../src/deploy/keyring.js';
import { startPlatform } from '../src/deploy/platform.js';
import { readAuditLog } from '../src/secure/audit.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { pathVariants } from './path-variants.js';
import { addTinyPhoton, startTestPlatform, TINY_BODY, type TestPlatform } from './platform-helpers.js';

let p: TestPlatform;
let pool: Pool;
let origin: string;
const tok: Record<string, string> = {};
let victimTokenId = '';
let archive: Uint8Array = new Uint8Array();

interface Answer { status: number; text: string }
type Body = { type: string; data: string | Uint8Array } | undefined;

/** One request with `path` sent exactly as written; status 0 when the connection ended without an answer. */
async function send(method: string, path: string, token?: string, body?: Body): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (body) headers['content-type'] = body.type;
  try {
    const r = await pool.request({ method: method as 'GET', path, headers, ...(body ? { body: body.data } : {}) });
    return { status: r.statusCode, text: await r.body.text() };
  } catch (err) {
    return { status: 0, text: String((err as Error).message) };
  }
}

/** Run `jobs` with a few requests in flight at once. */
async function runAll<T>(jobs: Array<() => Promise<T>>, width = 8): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  }));
  return out;
}

const json = (v: unknown): Body => ({ type: 'application/json', data: JSON.stringify(v) });

interface RouteCase { method: string; path: string; body?: () => Body }

const ADMIN_ROUTES = (): RouteCase[] => [
  { method: 'GET', path: '/api/v1/tokens' },
  { method: 'HEAD', path: '/api/v1/tokens' },
  { method: 'POST', path: '/api/v1/tokens', body: () => json({ name: 'pwned', scopes: ['admin'] }) },
  { method: 'DELETE', path: `/api/v1/tokens/${victimTokenId}` },
  { method: 'GET', path: '/api/v1/secrets' },
  { method: 'PUT', path: '/api/v1/secrets/VICTIM', body: () => json({ value: 'pwned' }) },
  { method: 'DELETE', path: '/api/v1/secrets/VICTIM' },
  { method: 'POST', path: '/api/v1/keys/rotate' },
];
const DEPLOY_ROUTES = (): RouteCase[] => [
  { method: 'POST', path: '/api/v1/deployments', body: () => json({ name: 'pwned', photon: 'tiny', replicas: 0 }) },
  { method: 'PATCH', path: '/api/v1/deployments/tiny', body: () => json({ replicas: 1 }) },
  { method: 'DELETE', path: '/api/v1/deployments/victim' },
  { method: 'POST', path: '/api/v1/photons', body: () => ({ type: 'application/octet-stream', data: archive }) },
];
const READ_ROUTES = (): RouteCase[] => [
  '/api/v1/deployments', '/api/v1/deployments/tiny', '/api/v1/deployments/tiny/replicas', '/api/v1/deployments/tiny/logs',
  '/api/v1/photons', '/api/v1/events', '/metrics', '/', '/api/v1/session', '/api/v1/deployments/tiny/history', '/api/v1/stream',
].map((path) => ({ method: 'GET', path }));

/** Every spelling of a route's path, plus the absolute request form (which the router also accepts). */
function spellings(path: string): string[] {
  return [...pathVariants(path), `${origin}${path}`, `http://evil.example${path}`, `${origin}/api/v1/x/..${path}`];
}

/**
 * Send every spelling of every route with each token; return the answers that were not a refusal
 * (401/403) or a miss (400/404): a 2xx is a scope bypass, a 5xx or a dropped connection a defect.
 */
async function bypasses(routes: RouteCase[], who: Array<string | undefined>): Promise<string[]> {
  const jobs: Array<() => Promise<string | undefined>> = [];
  for (const r of routes) {
    for (const path of spellings(r.path)) {
      for (const w of who) {
        jobs.push(async () => {
          const a = await send(r.method, path, w === undefined ? undefined : tok[w], r.body?.());
          return [400, 401, 403, 404].includes(a.status) ? undefined : `${r.method} ${path} as ${w ?? 'nobody'}: ${a.status} ${a.text.slice(0, 100)}`;
        });
      }
    }
  }
  const bad = (await runAll(jobs)).filter((x): x is string => x !== undefined);
  return bad;
}

before(async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-bypass-'));
  const keys = loadKeyRing({ path: join(home, 'master.key'), create: true })!;
  p = await startTestPlatform({ home, security: { keys, rateLimit: false, anonymousRateLimit: false } });
  origin = p.url;
  pool = new Pool(p.url, { connections: 8 });
  await addTinyPhoton(p, '1');
  archive = (await createPhoton({ name: 'tiny', version: '2', model: mlpModel(mlpWeights([4, 8, 3], 2)), labels: ['a', 'b', 'c'] })).archive;
  const issue = async (name: string, scopes: string): Promise<string> => {
    const r = await send('POST', '/api/v1/tokens', p.token, json({ name, scopes }));
    assert.equal(r.status, 201, r.text);
    return (JSON.parse(r.text) as { token: string }).token;
  };
  for (const [k, s] of [['read', 'read'], ['deploy', 'deploy'], ['infer', 'infer:tiny'], ['inferOther', 'infer:other'], ['admin', 'admin']] as const) tok[k] = await issue(`${k}-user`, s);
  victimTokenId = (await issue('victim', 'read')).split('_')[1]!;
  assert.equal((await send('PUT', '/api/v1/secrets/VICTIM', p.token, json({ value: 'v' }))).status, 200);
  assert.equal((await send('POST', '/api/v1/deployments', p.token, json({ name: 'victim', photon: 'tiny', replicas: 0 }))).status, 201);
  assert.equal((await send('POST', '/api/v1/deployments', p.token, json({ name: 'tiny', photon: 'tiny', replicas: 1 }))).status, 201);
  await p.controlPlane.waitReady('tiny', 60_000);
});
after(async () => {
  await pool?.close();
  await p?.dispose();
});

test('admin routes refuse read, deploy and infer tokens under every spelling of their path', { timeout: 120_000 }, async () => {
  const bad = await bypasses(ADMIN_ROUTES(), ['read', 'deploy', 'infer']);
  assert.deepEqual(bad.slice(0, 25), [], `${bad.length} answers were neither a refusal nor a miss`);
  // nothing changed: the victim token, the secret and the key are where they were
  const tokens = await send('GET', '/api/v1/tokens', tok['admin']);
  assert.ok(tokens.text.includes(victimTokenId) && !tokens.text.includes('pwned'), tokens.text.slice(0, 300));
  assert.deepEqual(JSON.parse((await send('GET', '/api/v1/secrets', tok['admin'])).text), { secrets: ['VICTIM'] });
});

test('deploy routes refuse read and infer tokens under every spelling of their path', { timeout: 120_000 }, async () => {
  const bad = await bypasses(DEPLOY_ROUTES(), ['read', 'infer']);
  assert.deepEqual(bad.slice(0, 25), [], `${bad.length} answers were neither a refusal nor a miss`);
  assert.equal((await send('GET', '/api/v1/deployments/victim', tok['read'])).status, 200, 'victim deployment still there');
  assert.equal((await send('GET', '/api/v1/deployments/pwned', tok['read'])).status, 404);
});

test('read routes refuse callers with no token or only infer scopes under every spelling', { timeout: 120_000 }, async () => {
  const bad = await bypasses(READ_ROUTES(), [undefined, 'infer']);
  assert.deepEqual(bad.slice(0, 25), [], `${bad.length} answers were neither a refusal nor a miss`);
});

test('spellings the router accepts still work for a token with the right scope', { timeout: 30_000 }, async () => {
  for (const path of ['/api/v1/tokens', '/api/v1/%74okens', '/api/v1/tokens?x=1', `${origin}/api/v1/tokens`]) {
    assert.equal((await send('GET', path, tok['admin'])).status, 200, path);
  }
  assert.equal((await send('GET', '/api/v1/%64eployments/tiny', tok['read'])).status, 200);
  // a miss needs no token and says nothing about who may do what
  const miss = await send('GET', '/api/v1/nothing-here');
  assert.equal(miss.status, 404);
  assert.equal((JSON.parse(miss.text) as { error: { code: string } }).error.code, 'LEPTON_ERR_NOT_FOUND');
  assert.equal((await send('GET', '/healthz')).status, 200);
});

test('gateway: only an infer:<name> token for the deployment actually routed to gets through', { timeout: 60_000 }, async () => {
  const base = '/deployments/tiny/predict';
  const extra = [
    '/deployments/%74iny/predict', '/deployments/tiny%2F..%2Fother/predict', '/deployments/other%2F..%2Ftiny/predict', '/deployments/./tiny/predict',
    '/deployments/x/../tiny/predict', '/deployments/other/../tiny/predict', '/deployments/other/%2e%2e/tiny/predict', '/deployments/other/..%2Ftiny/predict',
    '/%64eployments/tiny/predict', '//deployments/tiny/predict', '/deployments//tiny/predict', '/deployments/TINY/predict', '/deployments/tiny;x=1/predict',
    '/deployments/tiny%00/predict', '/deployments/%2574iny/predict', '/deployments/tiny%3Fx/predict', '/deployments/tiny#/predict', `${origin}${base}`,
  ];
  const paths = [...new Set([...spellings(base), ...extra])];
  const body: Body = { type: 'application/json', data: TINY_BODY };
  const jobs: Array<() => Promise<string | undefined>> = [];
  for (const path of paths) {
    for (const w of [undefined, 'read', 'deploy', 'inferOther', 'infer', 'admin']) {
      jobs.push(async () => {
        const a = await send('POST', path, w === undefined ? undefined : tok[w], body);
        const literal = path.startsWith('/deployments/tiny/') || path.startsWith('/deployments/tiny?');
        const mayPass = literal && (w === 'infer' || w === 'admin');
        if (a.status >= 200 && a.status < 300 && !mayPass) return `bypass: POST ${path} as ${w ?? 'nobody'}: ${a.status}`;
        // where the deployment name is not written plainly, the gateway refuses or misses (never guesses)
        if (!literal && ![400, 401, 403, 404].includes(a.status)) return `POST ${path} as ${w ?? 'nobody'}: ${a.status} ${a.text.slice(0, 100)}`;
        if (!mayPass && a.status >= 500) return `POST ${path} as ${w ?? 'nobody'}: ${a.status} ${a.text.slice(0, 100)}`;
        return undefined;
      });
    }
  }
  const bad = (await runAll(jobs)).filter((x): x is string => x !== undefined);
  assert.deepEqual(bad.slice(0, 25), [], `${bad.length} wrong answers`);
  assert.equal((await send('POST', base, tok['infer'], body)).status, 200);
  assert.equal((await send('POST', '/deployments/%74iny/predict', tok['infer'], body)).status, 400, 'an encoded deployment name is refused, not decoded');
});

test('the route table: every route declares its scope, and a route without one cannot be served', { timeout: 30_000 }, async () => {
  const table = p.security!.routes;
  assert.ok(table.length >= 20, `only ${table.length} routes seen`);
  for (const r of table) {
    const admin = /^\/api\/v1\/(tokens|secrets|keys)(\/|$)/.test(r.url);
    // public: health, and the API's description (a page a browser loads without a token; it holds no instance data)
    const docs = r.url === '/api/v1/openapi.json' || r.url === '/api/v1/docs' || r.url.startsWith('/api/v1/docs/');
    // the web console: its page (the JSON index at `/` stays read), its assets, login and logout
    const consolePublic = (r.url === '/' && r.scope === 'public') || r.url === '/ui/*' || (r.url === '/api/v1/session' && r.method !== 'GET' && r.method !== 'HEAD');
    const want = r.url === '/healthz' || docs || consolePublic ? 'public' : admin ? 'admin' : r.method === 'GET' || r.method === 'HEAD' ? 'read' : 'deploy';
    assert.equal(r.scope, want, `${r.method} ${r.url}`);
  }
  for (const known of ['POST /api/v1/tokens', 'DELETE /api/v1/tokens/:id', 'PUT /api/v1/secrets/:name', 'POST /api/v1/keys/rotate', 'GET /metrics', 'GET /', 'POST /api/v1/photons']) {
    assert.ok(table.some((r) => `${r.method} ${r.url}` === known), known);
  }
  // registering a route with no scope fails at once (fail closed) …
  const app = Fastify();
  p.security!.install(app);
  assert.throws(() => app.get('/no-scope', async () => ({ ok: true })), /declares no scope/);
  assert.throws(() => app.post('/bad-scope', { config: { scope: 'everyone' as never } }, async () => ({ ok: true })), /declares no scope/);
  // … and one that slipped past registration (added before the hooks) is refused when called
  const early = Fastify();
  early.get('/early', async () => ({ ok: true }));
  p.security!.install(early);
  await early.ready();
  try {
    const r = await early.inject({ method: 'GET', url: '/early', headers: { authorization: `Bearer ${tok['admin']}` } });
    assert.equal(r.statusCode, 500, r.body);
  } finally {
    await app.close();
    await early.close();
  }
});

test('refused attempts are in the audit log as denied, whatever the spelling', { timeout: 30_000 }, async () => {
  assert.equal((await send('POST', '/api/v1/%74okens', tok['deploy'], json({ name: 'x', scopes: ['admin'] }))).status, 403);
  assert.equal((await send('GET', `${origin}/api/v1/secrets`, tok['read'])).status, 403);
  const audit = readAuditLog(join(p.home, 'audit.log'));
  assert.ok(audit.some((e) => e.action === 'token.create' && e.actor === 'deploy-user' && e.result === 'denied'), 'denied token.create');
  assert.ok(audit.some((e) => e.action === 'secret.read' && e.actor === 'read-user' && e.result === 'denied'), 'denied secret.read');
  assert.ok(audit.some((e) => e.action === 'key.rotate' && e.actor === 'read-user' && e.result === 'denied'), 'denied key.rotate');
  const lowerOk = audit.filter((e) => e.result === 'ok' && ['read-user', 'deploy-user', 'infer-user'].includes(e.actor) && /^(token|secret|key)\./.test(e.action));
  assert.deepEqual(lowerOk, []);
});

test('security: false still serves the API without tokens (and without the admin routes)', { timeout: 30_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-nosec-'));
  const open = await startPlatform({ home, port: 0, host: '127.0.0.1', security: false });
  const c = new Pool(open.url, { connections: 1 });
  try {
    const get = async (path: string): Promise<number> => {
      const r = await c.request({ method: 'GET', path });
      await r.body.dump();
      return r.statusCode;
    };
    assert.equal(await get('/api/v1/deployments'), 200);
    assert.equal(await get('/api/v1/%64eployments'), 200);
    assert.equal(await get('/healthz'), 200);
    assert.equal(await get('/metrics'), 200);
    assert.equal(await get('/api/v1/tokens'), 404);
    const r = await c.request({ method: 'POST', path: '/api/v1/deployments', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'z', photon: 'ghost' }) });
    await r.body.dump();
    assert.equal(r.statusCode, 404, 'reaches the handler: unknown photon');
  } finally {
    await c.close();
    await open.close();
    rmSync(home, { recursive: true, force: true });
  }
});
