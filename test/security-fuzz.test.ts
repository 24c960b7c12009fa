// Security fuzz: thousands of generated malformed requests (bad JSON, wrong types, huge headers, bad
// paths and traversal, bad auth, wrong methods, bad content types, truncated bodies, broken HTTP)
// against the gateway, the control-plane API and a model server, over raw loopback sockets with a
// time bound. Every answer must be a 4xx with the error envelope; nothing may crash; valid requests work after.
// Second part (issue 21): stacked path mutations (%-escapes, double escapes, dot segments, slashes,
// case, `;params`, queries, bad escapes, absolute form) of every API route, sent with tokens of every
// scope: a 2xx only where the token's scope covers the route, never a 5xx or a dropped connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, request } from 'undici';
import { createPhoton } from '../src/photon/create.js';
import { loadKeyRing } from '../src/deploy/keyring.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { pctEncode } from './path-variants.js';
import { addTinyPhoton, startTestPlatform, TINY_BODY } from './platform-helpers.js';
import { mulberry32 } from './fixtures/mulberry32.fixture.js';

const rng = mulberry32;

interface Answer { status: number; body: string; raw: string }

/** Send raw bytes on a fresh connection; resolve with the parsed answer, or undefined if the server only closed. */
function rawHttp(port: number, bytes: Buffer, timeoutMs = 5000): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1');
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      if (!m) return resolve(undefined);
      const sep = raw.indexOf('\r\n\r\n');
      let body = sep < 0 ? '' : raw.slice(sep + 4);
      if (/\r\ntransfer-encoding: *chunked/i.test(raw.slice(0, sep))) body = dechunk(body);
      resolve({ status: Number(m[1]), body: Buffer.from(body, 'latin1').toString('utf8'), raw: raw.slice(0, 300) });
    };
    const timer = setTimeout(done, timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', done);
    s.on('close', done);
    s.on('error', () => undefined);
    s.write(bytes);
  });
}

function dechunk(body: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const nl = body.indexOf('\r\n', i);
    if (nl < 0) return out;
    const n = parseInt(body.slice(i, nl), 16);
    if (!(n > 0)) return out;
    out += body.slice(nl + 2, nl + 2 + n);
    i = nl + 2 + n + 2;
  }
}

function isEnvelope4xx(a: Answer): boolean {
  if (a.status < 400 || a.status > 499) return false;
  try {
    const e = (JSON.parse(a.body) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof e?.code === 'string' && e.code.startsWith('LEPTON_ERR_') && typeof e.message === 'string';
  } catch {
    return false;
  }
}

type Target = 'gateway' | 'api' | 'model';
const KINDS = ['badJson', 'wrongTypes', 'hugeHeader', 'badPath', 'badAuth', 'wrongMethod', 'badContentType', 'truncatedBody', 'hugeBody', 'brokenHttp'] as const;

/** One malformed request as raw bytes, for `target`, using `token` where a token is needed to get past auth. */
function generate(r: () => number, target: Target, token: string): { kind: string; bytes: Buffer } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const kind = pick(KINDS);
  const auth = target === 'model' ? '' : `Authorization: Bearer ${token}\r\n`;
  const postPath = target === 'gateway' ? pick(['/deployments/tiny/predict', '/deployments/tiny/v2/models/tiny/infer'])
    : target === 'model' ? pick(['/predict', '/v2/models/tiny/infer'])
    : pick(['/api/v1/deployments', '/api/v1/tokens', '/api/v1/keys/rotate-nope', '/api/v1/photons']);
  const junk = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(33 + Math.floor(r() * 90))).join('');
  const msg = (method: string, path: string, headers: string, body: string | Buffer = ''): Buffer => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}Content-Length: ${b.length}\r\n\r\n`), b]);
  };
  const json = 'Content-Type: application/json\r\n';
  switch (kind) {
    case 'badJson': {
      const body = pick(['{', '[1,', 'nul', '{"a":}', '\uFEFF{}x', `{"inputs": ${junk(20)}}`, '['.repeat(50_000), '"unterminated', junk(200), '{"inputs":[[1,2,3,4]]}}']);
      return { kind, bytes: msg('POST', postPath, auth + json, body) };
    }
    case 'wrongTypes': {
      const v = pick<unknown>([null, 42, 'str', true, [], {}, [[]], [['a', 'b', 'c', 'd']], { x: 1 }, -1e308, [null]]);
      const body = target === 'api'
        ? pick([{ name: v, photon: 'tiny' }, { name: 'ok-name', photon: v === 'str' ? 7 : v }, { name: ['x'], scopes: 'admin' }, { name: 'x', scopes: v === 'str' ? 5 : v }, v])
        : pick([{ inputs: v === 'str' ? { a: 1 } : v }, { inputs: 'abc' }, { inputs: [{ a: v }] }, v === 'str' ? 7 : v, { inputs: [[{}, {}, {}, {}]] }]);
      return { kind, bytes: msg('POST', postPath, auth + json, JSON.stringify(body) ?? 'null') };
    }
    case 'hugeHeader':
      return { kind, bytes: msg('GET', postPath, `${auth}X-Big: ${'a'.repeat(20_000 + Math.floor(r() * 60_000))}\r\n`) };
    case 'badPath': {
      const base = target === 'gateway' ? '/deployments/' : target === 'api' ? '/api/v1/' : '/';
      const path = base + pick([
        '../../etc/passwd', '..%2f..%2fetc%2fpasswd', '%zz', '%', 'tiny/%2e%2e/%2e%2e/api/v1/tokens', 'deployments/..', 'x'.repeat(3000),
        'deployments/%00', 'ghost-' + junk(8).replace(/[^a-z]/g, 'q') + '/predict', '..\\..\\windows', 'photons/../../../etc',
      ]);
      return { kind, bytes: msg(pick(['GET', 'POST']), path, auth + json, '{}') };
    }
    case 'badAuth': {
      const h = pick(['Bearer', 'Bearer ', `Bearer ${token}x`, `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${token.slice(0, 20)}`, 'Bearer lep_zzzzzzzzzzzz_' + 'A'.repeat(43), `bearer  ${junk(60)}`, 'x'.repeat(2000), `Bearer lep_000000000000_${'B'.repeat(43)}\r\nAuthorization: Bearer ${token}`]);
      if (target === 'model') return { kind, bytes: msg('POST', postPath, `Authorization: ${h}\r\n${json}`, '{') }; // no auth there: still bad JSON
      return { kind, bytes: msg(target === 'api' ? 'GET' : 'POST', target === 'api' ? '/api/v1/deployments' : postPath, `Authorization: ${h}\r\n${json}`, TINY_BODY) };
    }
    case 'wrongMethod': {
      const m = pick(['PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'POST']);
      const path = target === 'api' ? pick(['/api/v1/photons', '/api/v1/events', `/api/v1/deployments/nope-${Math.floor(r() * 1e6)}`, '/api/v1/tokens/zzzzzzzzzzzz', '/api/v1/healthz'])
        : target === 'gateway' ? pick(['/deployments/tiny/v2/health/live-nope', '/deployments/tiny/nothing']) : pick(['/nothing', '/v2/models/nope/infer']);
      return { kind, bytes: msg(m === 'POST' && target === 'api' ? 'PUT' : m, path, auth + json, '{}') };
    }
    case 'badContentType': {
      const ct = pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'text/html; charset=utf-7', 'application/json; charset=ebcdic', 'image/png', '*/*', junk(10)]);
      return { kind, bytes: msg('POST', postPath, `${auth}Content-Type: ${ct}\r\n`, ct === 'image/png' ? junk(64) : 'name=x&photon=y') };
    }
    case 'truncatedBody': {
      const full = target === 'api' ? JSON.stringify({ name: 'trunc', photon: 'tiny', replicas: 1 }) : TINY_BODY;
      return { kind, bytes: msg('POST', postPath, auth + json, full.slice(0, 1 + Math.floor(r() * (full.length - 2)))) };
    }
    case 'hugeBody': {
      const n = target === 'api' ? 1_200_000 : 17 * 1024 * 1024;
      return { kind, bytes: Buffer.from(`POST ${postPath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${auth}${json}Content-Length: ${n + 10_000_000}\r\n\r\n{"x":"`) };
    }
    case 'brokenHttp':
    default:
      return {
        kind: 'brokenHttp',
        bytes: Buffer.from(pick([
          `GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n`, `POST ${postPath} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n${auth}${json}\r\nzz\r\n{}\r\n0\r\n\r\n`,
          `GET ${postPath} HTTP/9.9\r\n\r\n`, `${junk(30)}\r\n\r\n`, `POST ${postPath} HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n`,
          `POST ${postPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello`, `GET ${postPath} HTTP/1.1\r\nBad Header\r\n\r\n`,
        ]), 'latin1'),
      };
  }
}

test('fuzz: malformed requests get a 4xx error envelope, nothing crashes, valid requests still work', { timeout: 120_000 }, async (t) => {
  const p = await startTestPlatform({ security: { rateLimit: false } } as never);
  let crashes = 0;
  const onCrash = (): void => {
    crashes++;
  };
  process.on('uncaughtException', onCrash);
  try {
    await addTinyPhoton(p, '1');
    await p.controlPlane.createDeployment({ name: 'tiny', photon: 'tiny', replicas: 1 });
    await p.controlPlane.waitReady('tiny', 60_000);
    const replica = p.controlPlane.getDeployment('tiny').status.replicas[0]!;
    const ports: Record<Target, number> = { gateway: Number(new URL(p.url).port), api: Number(new URL(p.url).port), model: replica.port! };

    const r = rng(20261122);
    const perTarget = 3000;
    const deadline = Date.now() + 45_000;
    const stats = { tried: 0, fourxxEnvelope: 0, nonFourxx: 0, closedWithoutAnswer: 0 };
    const byKind = new Map<string, number>();
    const bad: string[] = [];
    const jobs: Array<{ target: Target; kind: string; bytes: Buffer }> = [];
    for (const target of ['gateway', 'api', 'model'] as const) {
      for (let i = 0; i < perTarget; i++) jobs.push({ target, ...generate(r, target, p.token) });
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length && Date.now() < deadline) {
        const job = jobs[next++]!;
        stats.tried++;
        byKind.set(job.kind, (byKind.get(job.kind) ?? 0) + 1);
        const a = await rawHttp(ports[job.target], job.bytes);
        if (a === undefined) stats.closedWithoutAnswer++;
        else if (isEnvelope4xx(a)) stats.fourxxEnvelope++;
        else {
          stats.nonFourxx++;
          if (bad.length < 8) bad.push(`${job.target}/${job.kind}: ${a.raw.replace(/\r\n/g, ' | ')} :: ${job.bytes.subarray(0, 120).toString('latin1').replace(/\r\n/g, ' | ')}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, () => worker()));

    const after = p.controlPlane.getDeployment('tiny').status.replicas;
    const replicaCrashes = after.reduce((n, x) => n + x.restarts, 0) + (after[0]?.pid === replica.pid ? 0 : 1);
    t.diagnostic(`fuzz: requests tried ${stats.tried}, 4xx with error envelope ${stats.fourxxEnvelope}, non-4xx answers ${stats.nonFourxx}, closed without an answer ${stats.closedWithoutAnswer}, crashes ${crashes + replicaCrashes}`);
    t.diagnostic(`fuzz by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);

    assert.ok(stats.tried >= 1000, `only ${stats.tried} requests in the time bound`);
    assert.equal(crashes + replicaCrashes, 0, 'no process crashed');
    assert.equal(stats.nonFourxx, 0, `non-4xx answers:\n${bad.join('\n')}`);
    // a server may close a connection whose framing it cannot trust (e.g. bad chunking) without answering; keep that rare
    assert.ok(stats.closedWithoutAnswer <= stats.tried * 0.05, `${stats.closedWithoutAnswer} connections closed without an answer`);

    // valid requests are answered correctly afterwards, on every target
    const auth = { authorization: `Bearer ${p.token}` };
    const list = await request(`${p.url}/api/v1/deployments`, { headers: auth });
    assert.equal(list.statusCode, 200);
    assert.equal(((await list.body.json()) as { deployments: Array<{ spec: { name: string } }> }).deployments[0]!.spec.name, 'tiny');
    for (const url of [`${p.url}/deployments/tiny/predict`, `http://127.0.0.1:${ports.model}/predict`]) {
      const ok = await request(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: TINY_BODY });
      const body = (await ok.body.json()) as { predictions?: unknown[] };
      assert.equal(ok.statusCode, 200, url);
      assert.equal(body.predictions?.length, 1, url);
    }
  } finally {
    process.off('uncaughtException', onCrash);
    await p.dispose();
  }
});

type Scope = 'public' | 'read' | 'deploy' | 'admin';
const PATH_MUTATIONS = ['encode', 'encodeLower', 'doubleEncode', 'dotSegment', 'doubleSlash', 'trailingSlash', 'semicolon', 'query', 'upper', 'badEscape', 'backslash', 'latin1', 'absolute'] as const;

/** One to three stacked mutations of `path`; the absolute request form, if drawn, goes last. */
function mutatePath(r: () => number, path: string, origin: string): { kinds: string[]; path: string } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const at = (p: string): number => 1 + Math.floor(r() * Math.max(1, p.length - 1));
  const slashes = (p: string): number[] => [...p].flatMap((c, i) => (c === '/' ? [i] : []));
  const kinds: string[] = [];
  let out = path;
  let absolute = false;
  for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
    const kind = pick(PATH_MUTATIONS);
    kinds.push(kind);
    const i = at(out);
    const c = out[i] ?? '';
    switch (kind) {
      case 'encode': out = out.slice(0, i) + pctEncode(c) + out.slice(i + 1); break;
      case 'encodeLower': out = out.slice(0, i) + pctEncode(c).toLowerCase() + out.slice(i + 1); break;
      case 'doubleEncode': out = out.slice(0, i) + pctEncode(c).replace(/%/g, '%25') + out.slice(i + 1); break;
      case 'dotSegment': {
        const s = pick(slashes(out));
        out = out.slice(0, s) + pick(['/.', '/..', '/x/..', '/%2e', '/%2E%2E', '/x/%2e%2e', '/x/.%2e', '/x%2F..']) + out.slice(s);
        break;
      }
      case 'doubleSlash': { const s = pick(slashes(out)); out = `${out.slice(0, s)}/${out.slice(s)}`; break; }
      case 'trailingSlash': out += pick(['/', '//', '/.', '/..']); break;
      case 'semicolon': { const s = pick([...slashes(out).slice(1), out.length]); out = `${out.slice(0, s)}${pick([';x=1', ';', '%3B'])}${out.slice(s)}`; break; }
      case 'query': out += pick(['?', '?a=1', '?a=%zz', '#f', '?next=/api/v1/tokens', '%3Fa', '?;']); break;
      case 'upper': { const ss = slashes(out); const a = pick(ss); const b = ss.find((x) => x > a) ?? out.length; out = out.slice(0, a) + out.slice(a, b).replace(/[a-z]/g, (x) => x.toUpperCase()) + out.slice(b); break; }
      case 'badEscape': out = out.slice(0, i) + pick(['%', '%z', '%zz', '%e', '%C0%AF', '%ED%A0%80', '%FF', '%00']) + out.slice(i); break;
      case 'backslash': { const s = pick(slashes(out).slice(1)); if (s !== undefined) out = `${out.slice(0, s)}${pick(['\\', '%5C', '%2F'])}${out.slice(s + 1)}`; break; }
      case 'latin1': out = out.slice(0, i) + pick(['\u00e9', '\u00ff', '\u0080']) + out.slice(i); break;
      case 'absolute': absolute = true; break;
    }
  }
  if (absolute) out = pick([origin, 'http://evil.example', 'https://127.0.0.1:1']) + out;
  return { kinds, path: out };
}

function covers(token: string, scope: Scope): boolean {
  if (scope === 'public' || token === 'admin') return true;
  if (token === 'deploy') return scope === 'deploy' || scope === 'read';
  return token === 'read' && scope === 'read';
}

test('fuzz: mutated spellings of every API route never pass a scope check they should fail, never 5xx', { timeout: 120_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-fuzz-scope-'));
  const keys = loadKeyRing({ path: join(home, 'master.key'), create: true })!;
  const p = await startTestPlatform({ home, security: { keys, rateLimit: false } });
  const pool = new Pool(p.url, { connections: 8 });
  let crashes = 0;
  const onCrash = (): void => {
    crashes++;
  };
  process.on('uncaughtException', onCrash);
  try {
    await addTinyPhoton(p, '1');
    const { archive } = await createPhoton({ name: 'tiny', version: '3', model: mlpModel(mlpWeights([4, 8, 3], 3)), labels: ['a', 'b', 'c'] });
    const send = async (method: string, path: string, token: string | undefined, body?: { type: string; data: string | Uint8Array }): Promise<{ status: number; text: string }> => {
      const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
      if (body) headers['content-type'] = body.type;
      try {
        const res = await pool.request({ method: method as 'GET', path, headers, ...(body ? { body: body.data } : {}) });
        // the console's event stream never ends by itself: its status is the answer
        if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          res.body.destroy();
          return { status: res.statusCode, text: '' };
        }
        return { status: res.statusCode, text: await res.body.text() };
      } catch (err) {
        return { status: 0, text: String((err as Error).message) };
      }
    };
    const json = (v: unknown): { type: string; data: string } => ({ type: 'application/json', data: JSON.stringify(v) });
    const issue = async (name: string, scopes: string): Promise<string> => {
      const res = await send('POST', '/api/v1/tokens', p.token, json({ name, scopes }));
      assert.equal(res.status, 201, res.text);
      return (JSON.parse(res.text) as { token: string }).token;
    };
    const tokens: Record<string, string | undefined> = { none: undefined, read: await issue('fz-read', 'read'), deploy: await issue('fz-deploy', 'deploy'), infer: await issue('fz-infer', 'infer:fz'), admin: p.token };
    const victim = (await issue('fz-victim', 'read')).split('_')[1]!;
    for (const name of ['fz', 'victim']) assert.equal((await send('POST', '/api/v1/deployments', p.token, json({ name, photon: 'tiny', replicas: 0 }))).status, 201);
    assert.equal((await send('PUT', '/api/v1/secrets/FZ', p.token, json({ value: 'v' }))).status, 200);

    // every API route with the scope it needs and a body that would succeed
    const routes: Array<{ method: string; path: string; scope: Scope; body?: { type: string; data: string | Uint8Array } }> = [
      { method: 'GET', path: '/healthz', scope: 'public' },
      { method: 'GET', path: '/', scope: 'read' },
      { method: 'GET', path: '/metrics', scope: 'read' },
      { method: 'GET', path: '/api/v1/deployments', scope: 'read' },
      { method: 'POST', path: '/api/v1/deployments', scope: 'deploy', body: json({ name: 'fz-new', photon: 'tiny', replicas: 0 }) },
      { method: 'GET', path: '/api/v1/deployments/fz', scope: 'read' },
      { method: 'PATCH', path: '/api/v1/deployments/fz', scope: 'deploy', body: json({ replicas: 0 }) },
      { method: 'DELETE', path: '/api/v1/deployments/victim', scope: 'deploy' },
      { method: 'GET', path: '/api/v1/deployments/fz/replicas', scope: 'read' },
      { method: 'GET', path: '/api/v1/deployments/fz/logs', scope: 'read' },
      { method: 'GET', path: '/api/v1/photons', scope: 'read' },
      { method: 'POST', path: '/api/v1/photons', scope: 'deploy', body: { type: 'application/octet-stream', data: archive } },
      { method: 'GET', path: '/api/v1/photons/tiny/1/archive', scope: 'read' },
      { method: 'GET', path: '/api/v1/events', scope: 'read' },
      { method: 'GET', path: '/api/v1/tokens', scope: 'admin' },
      { method: 'POST', path: '/api/v1/tokens', scope: 'admin', body: json({ name: 'fz-made', scopes: ['admin'] }) },
      { method: 'DELETE', path: `/api/v1/tokens/${victim}`, scope: 'admin' },
      { method: 'GET', path: '/api/v1/secrets', scope: 'admin' },
      { method: 'PUT', path: '/api/v1/secrets/FZ', scope: 'admin', body: json({ value: 'w' }) },
      { method: 'DELETE', path: '/api/v1/secrets/FZ', scope: 'admin' },
      { method: 'POST', path: '/api/v1/keys/rotate', scope: 'admin' },
      // the API's description and its rendering (swagger-ui's page, initializer, document and assets)
      { method: 'GET', path: '/api/v1/openapi.json', scope: 'public' },
      { method: 'GET', path: '/api/v1/docs', scope: 'public' },
      { method: 'GET', path: '/api/v1/docs/static/index.html', scope: 'public' },
      { method: 'GET', path: '/api/v1/docs/static/swagger-initializer.js', scope: 'public' },
      { method: 'GET', path: '/api/v1/docs/json', scope: 'public' },
      { method: 'GET', path: '/api/v1/docs/yaml', scope: 'public' },
      { method: 'GET', path: '/api/v1/docs/static/swagger-ui.css', scope: 'public' },
      // the web console: its page and assets (no data), login and logout, who am I, live metrics
      { method: 'GET', path: '/ui/main.js', scope: 'public' },
      { method: 'POST', path: '/api/v1/session', scope: 'public', body: json({ token: 'lep_000000000000_' + 'x'.repeat(43) }) },
      { method: 'GET', path: '/api/v1/session', scope: 'read' },
      { method: 'DELETE', path: '/api/v1/session', scope: 'public' },
      { method: 'GET', path: '/api/v1/deployments/fz/history', scope: 'read' },
      { method: 'GET', path: '/api/v1/deployments/fz/requests', scope: 'read' },
      { method: 'GET', path: '/api/v1/stream', scope: 'read' },
    ];
    // the route table covers what this list names, so a new route without a fuzz entry shows up here
    const table = new Set(p.security!.routes.filter((x) => x.method !== 'HEAD').map((x) => `${x.method} ${x.url}`));
    assert.equal(table.size, routes.length, `route table: ${[...table].join(', ')}`);

    const r = rng(20260521);
    const perPair = 16;
    const jobs: Array<() => Promise<string | undefined>> = [];
    const byKind = new Map<string, number>();
    for (const route of routes) {
      for (const [who, token] of Object.entries(tokens)) {
        for (let i = 0; i < perPair; i++) {
          const m = mutatePath(r, route.path, p.url);
          for (const k of m.kinds) byKind.set(k, (byKind.get(k) ?? 0) + 1);
          jobs.push(async () => {
            const a = await send(route.method, m.path, token, route.body);
            const what = `${route.method} ${JSON.stringify(m.path)} [${m.kinds.join('+')}] as ${who}: ${a.status} ${a.text.slice(0, 100)}`;
            if (a.status >= 200 && a.status < 300 && !covers(who, route.scope)) return `scope bypass: ${what}`;
            // a public page may redirect (swagger-ui sends static/index.html to the docs root)
            const redirect = a.status >= 300 && a.status < 400 && route.scope === 'public';
            if (!(a.status >= 200 && a.status < 300) && !(a.status >= 400 && a.status < 500) && !redirect) return `not a 2xx/3xx/4xx: ${what}`;
            return undefined;
          });
        }
      }
    }
    const bad: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < jobs.length) {
        const b = await jobs[next++]!();
        if (b !== undefined) bad.push(b);
      }
    }));
    t.diagnostic(`scope fuzz: ${jobs.length} requests; mutations ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    assert.deepEqual(bad.slice(0, 20), [], `${bad.length} wrong answers`);
    assert.equal(crashes, 0, 'no uncaught exception');
    assert.equal((await send('GET', '/healthz', undefined)).status, 200, 'still answering');
    assert.equal((await send('GET', '/api/v1/deployments', p.token)).status, 200);
  } finally {
    process.off('uncaughtException', onCrash);
    await pool.close();
    await p.dispose();
  }
});
