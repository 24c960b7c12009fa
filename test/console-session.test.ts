// The web console's server side (issue 18), without a browser: the page at `/` (public, strict CSP)
// next to the JSON index (read token), login → an HttpOnly SameSite=Strict cookie with an expiry,
// a bad token refused, CSRF required for cookie changes on the API and the gateway alike, logout,
// and the per-deployment history as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog } from '../src/secure/audit.js';
import { WEB_DIST } from '../src/deploy/console-routes.js';
import { addTinyPhoton, api, authHeaders, startTestPlatform, TINY_BODY } from './platform-helpers.js';

test('console session: cookie flags, CSRF, logout, page and JSON at /, history', { timeout: 60_000 }, async () => {
  assert.ok(existsSync(`${WEB_DIST}index.html`), 'web/dist is missing: run node scripts/build-web.mjs (npm install runs it)');
  const p = await startTestPlatform();
  try {
    await addTinyPhoton(p, '1');
    assert.equal((await api(p, 'POST', '/deployments', { name: 'tiny', photon: 'tiny', replicas: 1 })).status, 201);
    await p.controlPlane.waitReady('tiny', 30_000);

    // `/`: a browser gets the page with the console's policy; a script without a token gets 401
    const page = await fetch(`${p.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /ui\/main\.js/);
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const part of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(part), `${part} in ${csp}`);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/);
    assert.equal((await fetch(`${p.url}/`, { headers: { accept: 'application/json' } })).status, 401);
    const index = await fetch(`${p.url}/`, { headers: { accept: 'application/json', ...authHeaders(p) } });
    assert.deepEqual(((await index.json()) as { deployments: string[] }).deployments, ['/deployments/tiny/']);
    assert.equal((await fetch(`${p.url}/ui/main.js`)).status, 200);
    assert.equal((await fetch(`${p.url}/ui/ort/ort-wasm-simd-threaded.wasm`)).headers.get('content-type'), 'application/wasm');
    assert.equal((await fetch(`${p.url}/ui/..%2f..%2fpackage.json`)).status, 404);

    // login: a bad token is refused and sets nothing
    const bad = await fetch(`${p.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'lep_000000000000_' + 'x'.repeat(43) }) });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get('set-cookie'), null);
    const login = await fetch(`${p.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: p.token }) });
    assert.equal(login.status, 200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^lepton_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    assert.ok(Number(/Max-Age=(\d+)/.exec(setCookie)![1]) > 3600, 'the cookie expires, hours from now');
    assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP: not Secure (TLS adds it)');
    const me = (await login.json()) as { name: string; scopes: string[]; csrf: string };
    assert.deepEqual(me.scopes, ['admin']);
    assert.ok(!JSON.stringify(me).includes(p.token), 'the token never comes back');
    const cookie = setCookie.split(';')[0]!;

    // reads need only the cookie; changes need the CSRF header too (API and gateway)
    assert.equal((await fetch(`${p.url}/api/v1/deployments`, { headers: { cookie } })).status, 200);
    const who = (await (await fetch(`${p.url}/api/v1/session`, { headers: { cookie } })).json()) as { csrf: string };
    assert.equal(who.csrf, me.csrf);
    const patch = (headers: Record<string, string>) => fetch(`${p.url}/api/v1/deployments/tiny`, { method: 'PATCH', headers: { 'content-type': 'application/json', cookie, ...headers }, body: JSON.stringify({ replicas: 1 }) });
    const noCsrf = await patch({});
    assert.equal(noCsrf.status, 403);
    assert.match(await noCsrf.text(), /x-lepton-csrf/);
    assert.equal((await patch({ 'x-lepton-csrf': 'wrong' })).status, 403);
    assert.equal((await patch({ 'x-lepton-csrf': me.csrf })).status, 202);
    const predict = (headers: Record<string, string>) => fetch(`${p.url}/deployments/tiny/predict`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers }, body: TINY_BODY });
    assert.equal((await predict({})).status, 403);
    assert.equal((await predict({ 'x-lepton-csrf': me.csrf })).status, 200);
    // a bearer token still works exactly as before, cookie or not
    assert.equal((await fetch(`${p.url}/api/v1/deployments`, { headers: authHeaders(p) })).status, 200);

    // history: a point a second per deployment
    await p.frontDoor.history.sample();
    const h = (await (await fetch(`${p.url}/api/v1/deployments/tiny/history`, { headers: { cookie } })).json()) as { points: Array<{ desired: number; ready: number }> };
    assert.ok(h.points.length >= 1);
    assert.deepEqual([h.points.at(-1)!.desired, h.points.at(-1)!.ready], [1, 1]);
    assert.equal((await fetch(`${p.url}/api/v1/deployments/nope/history`, { headers: { cookie } })).status, 404);
    assert.equal((await fetch(`${p.url}/api/v1/deployments/tiny/history`)).status, 401);

    // logout: CSRF needed, then the cookie is dead and cleared
    assert.equal((await fetch(`${p.url}/api/v1/session`, { method: 'DELETE', headers: { cookie } })).status, 403);
    const out = await fetch(`${p.url}/api/v1/session`, { method: 'DELETE', headers: { cookie, 'x-lepton-csrf': me.csrf } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /^lepton_session=; .*Max-Age=0/);
    assert.equal((await fetch(`${p.url}/api/v1/deployments`, { headers: { cookie } })).status, 401);
    // logins, refused logins and logouts are in the audit log
    const audit = readAuditLog(join(p.home, 'audit.log')).filter((e) => e.action.startsWith('session.'));
    assert.deepEqual(audit.map((e) => [e.action, e.actor, e.result]), [['session.create', 'anonymous', 'denied'], ['session.create', 'admin', 'ok'], ['session.remove', 'admin', 'ok']]);
  } finally {
    await p.dispose();
  }
});

test('console session: with --insecure-local, loopback needs no login and acts as the local admin', { timeout: 30_000 }, async () => {
  const p = await startTestPlatform({ security: { insecureLocal: true } });
  try {
    const me = (await (await fetch(`${p.url}/api/v1/session`)).json()) as { name: string; scopes: string[] };
    assert.deepEqual(me, { name: 'local', scopes: ['admin'] });
  } finally {
    await p.dispose();
  }
});

test('console stream: server-sent samples, and an open stream does not hold up the platform closing', { timeout: 30_000 }, async () => {
  const p = await startTestPlatform();
  let closed = false;
  try {
    const res = await fetch(`${p.url}/api/v1/stream`, { headers: authHeaders(p) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /^event: sample\ndata: \{"t":\d+,"deployments":\{\}\}\n\n/);
    const t0 = Date.now();
    await p.dispose();
    closed = true;
    assert.ok(Date.now() - t0 < 1500, `closing took ${Date.now() - t0} ms with a stream open`);
    assert.equal((await reader.read()).done, true, 'the stream ended');
  } finally {
    if (!closed) await p.dispose();
  }
});
