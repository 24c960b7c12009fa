// End-to-end security of the platform over HTTP on loopback: every scope allowed and denied, 401 vs
// 403, per-token 429 + Retry-After, private vs public deployments, secrets kept out of every answer
// and file, encrypted photon objects, key rotation end to end, and the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { createPhoton } from '../src/photon/create.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import { envelopeCodec, loadKeyRing } from '../src/deploy/keyring.js';
import { envelopeKeyId, isEnvelope, ENVELOPE_HEADER_BYTES } from '../src/secure/envelope.js';
import { readAuditLog } from '../src/secure/audit.js';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { addTinyPhoton, startTestPlatform, TINY_BODY, type TestPlatform } from './platform-helpers.js';

let p: TestPlatform;
const tok: Record<string, string> = {};
const SECRET_VALUE = 'sv-9f3c1a77e2-never-print-me';

async function call(method: string, url: string, token?: string, body?: unknown, type = 'application/json'): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['authorization'] = token.startsWith('Bearer') || token.startsWith('Basic') ? token : `Bearer ${token}`;
  let payload: string | Uint8Array | undefined;
  if (body !== undefined) {
    headers['content-type'] = type;
    payload = body instanceof Uint8Array ? body : JSON.stringify(body);
  }
  const r = await request(`${p.url}${url}`, { method: method as 'GET', headers, ...(payload === undefined ? {} : { body: payload }) });
  return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
}

async function issue(name: string, scopes: string): Promise<string> {
  const r = await call('POST', '/api/v1/tokens', p.token, { name, scopes });
  assert.equal(r.status, 201, r.text);
  return (JSON.parse(r.text) as { token: string }).token;
}

before(async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-sec-'));
  const keys = loadKeyRing({ path: join(home, 'master.key'), create: true })!;
  // small per-token bucket so the 429 test needs few requests; other tests use separate tokens
  p = await startTestPlatform({ home, security: { keys, rateLimit: { capacity: 10, refillPerSecond: 0.5 } } } as never);
  await addTinyPhoton(p, '1');
  const created = await call('POST', '/api/v1/deployments', p.token, { name: 'tiny', photon: 'tiny', replicas: 1 });
  assert.equal(created.status, 201, created.text);
  await p.controlPlane.waitReady('tiny', 60_000);
  tok['read'] = await issue('reader', 'read');
  tok['deploy'] = await issue('deployer', 'deploy');
  tok['infer'] = await issue('caller', 'infer:tiny');
  tok['inferOther'] = await issue('other', 'infer:other');
  tok['admin'] = await issue('admin2', 'admin');
});
after(async () => {
  await p.dispose();
});

test('control-plane API: 401 without or with a bad token, 403 for the wrong scope, allowed with the right one', { timeout: 60_000 }, async () => {
  const e401 = [undefined, 'lep_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'Basic dXNlcjpwYXNz', 'Bearer not-a-token'];
  for (const t of e401) {
    const r = await call('GET', '/api/v1/deployments', t);
    assert.equal(r.status, 401, `${t}: ${r.text}`);
    assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'LEPTON_ERR_UNAUTHENTICATED');
    assert.match(String(r.headers['www-authenticate']), /^Bearer realm="lepton"/);
  }
  // read: GET lists and status
  for (const [who, want] of [['read', 200], ['deploy', 200], ['admin', 200], ['infer', 403]] as const) {
    assert.equal((await call('GET', '/api/v1/deployments', tok[who])).status, want, `GET deployments as ${who}`);
    assert.equal((await call('GET', '/api/v1/deployments/tiny', tok[who])).status, want, `GET status as ${who}`);
    assert.equal((await call('GET', '/metrics', tok[who])).status, want, `GET metrics as ${who}`);
  }
  // deploy: deployment and photon changes
  for (const who of ['read', 'infer', 'inferOther']) {
    const r = await call('POST', '/api/v1/deployments', tok[who], { name: 'zero', photon: 'tiny', replicas: 0 });
    assert.equal(r.status, 403, `${who}: ${r.text}`);
    assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'LEPTON_ERR_FORBIDDEN');
  }
  assert.equal((await call('POST', '/api/v1/deployments', tok['deploy'], { name: 'zero', photon: 'tiny', replicas: 0 })).status, 201);
  assert.equal((await call('PATCH', '/api/v1/deployments/zero', tok['read'], { replicas: 0 })).status, 403);
  assert.equal((await call('PATCH', '/api/v1/deployments/zero', tok['deploy'], { policy: 'round-robin' })).status, 202);
  assert.equal((await call('DELETE', '/api/v1/deployments/zero', tok['read'])).status, 403);
  assert.equal((await call('DELETE', '/api/v1/deployments/zero', tok['admin'])).status, 200);
  const { archive } = await createPhoton({ name: 'tiny', version: '9', model: mlpModel(mlpWeights([4, 8, 3], 9)), labels: ['a', 'b', 'c'] });
  assert.equal((await call('POST', '/api/v1/photons', tok['read'], archive, 'application/octet-stream')).status, 403);
  assert.equal((await call('POST', '/api/v1/photons', tok['deploy'], archive, 'application/octet-stream')).status, 201);
  // admin: tokens, secrets, keys
  for (const who of ['read', 'deploy', 'infer']) {
    assert.equal((await call('GET', '/api/v1/tokens', tok[who])).status, 403, `tokens as ${who}`);
    assert.equal((await call('POST', '/api/v1/tokens', tok[who], { name: 'x', scopes: 'admin' })).status, 403);
    assert.equal((await call('GET', '/api/v1/secrets', tok[who])).status, 403);
    assert.equal((await call('PUT', '/api/v1/secrets/X', tok[who], { value: 'v' })).status, 403);
    assert.equal((await call('POST', '/api/v1/keys/rotate', tok[who])).status, 403);
  }
  const list = await call('GET', '/api/v1/tokens', tok['admin']);
  assert.equal(list.status, 200);
  assert.ok(!/"hash"|lep_[0-9a-f]{12}_/.test(list.text), 'token list shows neither hashes nor token text');
  // revocation
  const doomed = await issue('doomed', 'read');
  assert.equal((await call('GET', '/api/v1/deployments', doomed)).status, 200);
  const id = doomed.split('_')[1]!;
  assert.equal((await call('DELETE', `/api/v1/tokens/${id}`, tok['admin'])).status, 200);
  assert.equal((await call('GET', '/api/v1/deployments', doomed)).status, 401);
  // security headers on API answers (errors included); no CORS unless configured; /healthz is open
  const h = await call('GET', '/api/v1/deployments', undefined);
  assert.equal(h.headers['x-content-type-options'], 'nosniff');
  assert.equal(h.headers['cache-control'], 'no-store');
  assert.equal(h.headers['access-control-allow-origin'], undefined);
  assert.equal((await call('GET', '/healthz')).status, 200);
});

test('gateway: private by default (infer:<name> or admin), --public opens it, per-token 429 + Retry-After', { timeout: 60_000 }, async () => {
  const predict = (t?: string) => call('POST', '/deployments/tiny/predict', t, JSON.parse(TINY_BODY));
  const anon = await predict();
  assert.equal(anon.status, 401);
  assert.match(String(anon.headers['www-authenticate']), /^Bearer realm="lepton"/);
  for (const who of ['read', 'deploy', 'inferOther']) assert.equal((await predict(tok[who])).status, 403, who);
  const ok = await predict(tok['infer']);
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await predict(tok['admin'])).status, 200);

  const status = await call('GET', '/api/v1/deployments/tiny', tok['read']);
  assert.notEqual((JSON.parse(status.text) as { spec: { public?: boolean } }).spec.public, true);
  assert.equal((await call('PATCH', '/api/v1/deployments/tiny', tok['deploy'], { public: true })).status, 202);
  assert.equal((JSON.parse((await call('GET', '/api/v1/deployments/tiny', tok['read'])).text) as { spec: { public: boolean } }).spec.public, true);
  assert.equal((await predict()).status, 200, 'public: no token needed');
  assert.equal((await call('PATCH', '/api/v1/deployments/tiny', tok['deploy'], { public: false })).status, 202);
  assert.equal((await predict()).status, 401, 'private again');

  const burst = await issue('burst', 'infer:tiny');
  let limited: Awaited<ReturnType<typeof predict>> | undefined;
  for (let i = 0; i < 30 && !limited; i++) {
    const r = await predict(burst);
    if (r.status === 429) limited = r;
    else assert.equal(r.status, 200, r.text);
  }
  assert.ok(limited, 'the 11th quick request of one token is refused');
  assert.equal((JSON.parse(limited.text) as { error: { code: string } }).error.code, 'LEPTON_ERR_RATE_LIMITED');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  assert.equal((await predict(tok['infer'])).status, 200, 'other tokens have their own bucket');
});

test('secrets: set through the admin API, passed to replicas as env, never in answers, status, logs or files', { timeout: 60_000 }, async () => {
  assert.equal((await call('PUT', '/api/v1/secrets/API_KEY', tok['admin'], { value: SECRET_VALUE })).status, 200);
  const names = await call('GET', '/api/v1/secrets', tok['admin']);
  assert.deepEqual(JSON.parse(names.text), { secrets: ['API_KEY'] });
  assert.equal((await call('POST', '/api/v1/deployments', tok['deploy'], { name: 'bad', photon: 'tiny', secrets: ['NOPE'] })).status, 404, 'unknown secret');
  assert.equal((await call('POST', '/api/v1/deployments', tok['deploy'], { name: 'bad', photon: 'tiny', secrets: ['NODE_OPTIONS'] })).status, 400, 'reserved env name');
  const c = await call('POST', '/api/v1/deployments', tok['deploy'], { name: 'withsec', photon: 'tiny@1', replicas: 1, secrets: ['API_KEY'] });
  assert.equal(c.status, 201, c.text);
  await p.controlPlane.waitReady('withsec', 60_000);
  const pid = p.controlPlane.getDeployment('withsec').status.replicas[0]!.pid!;
  assert.ok(readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`API_KEY=${SECRET_VALUE}`), 'replica env has the secret');

  const answers = [
    await call('GET', '/api/v1/deployments', tok['admin']),
    await call('GET', '/api/v1/deployments/withsec', tok['admin']),
    await call('GET', '/api/v1/deployments/withsec/replicas', tok['admin']),
    await call('GET', '/api/v1/deployments/withsec/logs', tok['admin']),
    await call('GET', '/api/v1/events', tok['admin']),
    await call('GET', '/api/v1/secrets', tok['admin']),
    await call('GET', '/metrics', tok['admin']),
  ];
  for (const a of answers) assert.equal(a.text.includes(SECRET_VALUE), false, a.text.slice(0, 200));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const f = join(dir, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.isFile()) files.push(f);
    }
  };
  walk(p.home);
  assert.ok(files.some((f) => f.endsWith('audit.log')) && files.some((f) => f.endsWith('.log') && f.includes('withsec')));
  for (const f of files) assert.equal(readFileSync(f).includes(SECRET_VALUE), false, `${f} holds the secret value`);

  // Secrets change after create: a new value rolls out with `update --secret`, clearing rolls again.
  const envOf = (id: number): string[] => readFileSync(`/proc/${id}/environ`, 'latin1').split('\0');
  const rolledFrom = async (oldPid: number): Promise<number> => {
    const until = Date.now() + 45_000;
    for (;;) {
      const reps = p.controlPlane.getDeployment('withsec').status.replicas;
      const only = reps.length === 1 ? reps[0]! : undefined;
      if (only && only.state === 'ready' && typeof only.pid === 'number' && only.pid !== oldPid) return only.pid;
      assert.ok(Date.now() < until, `no rolled replica: ${JSON.stringify(reps)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const NEW_VALUE = 'sv-2nd-value-also-secret';
  assert.equal((await call('PUT', '/api/v1/secrets/API_KEY', tok['admin'], { value: NEW_VALUE })).status, 200);
  assert.equal((await call('PATCH', '/api/v1/deployments/withsec', tok['deploy'], { secrets: ['NOPE'] })).status, 404, 'unknown secret');
  assert.equal(p.controlPlane.getDeployment('withsec').status.replicas[0]!.pid, pid, 'a refused update changes nothing');
  const u = await call('PATCH', '/api/v1/deployments/withsec', tok['deploy'], { secrets: ['API_KEY'] });
  assert.equal(u.status, 202, u.text);
  assert.equal(u.text.includes(NEW_VALUE), false);
  const pid2 = await rolledFrom(pid);
  assert.ok(envOf(pid2).includes(`API_KEY=${NEW_VALUE}`), 'the rolled replica has the new value');
  assert.equal((await call('PATCH', '/api/v1/deployments/withsec', tok['deploy'], { secrets: [] })).status, 202);
  const pid3 = await rolledFrom(pid2);
  assert.equal(envOf(pid3).some((e) => e.startsWith('API_KEY=')), false, 'cleared secrets leave the env');
  assert.equal((JSON.parse((await call('GET', '/api/v1/deployments/withsec', tok['read'])).text) as { spec: { secrets?: string[] } }).spec.secrets, undefined);
  const events = await call('GET', '/api/v1/events', tok['admin']);
  assert.match(events.text, /secrets changed/);
  assert.equal(events.text.includes(NEW_VALUE), false);
  assert.equal((await call('PUT', '/api/v1/secrets/API_KEY', tok['admin'], { value: SECRET_VALUE })).status, 200);
  assert.equal((await call('DELETE', '/api/v1/deployments/withsec', tok['admin'])).status, 200);
});

test('photons are encrypted at rest; key rotation rewraps photons and secrets without re-encrypting data', { timeout: 60_000 }, async () => {
  const objects = join(p.home, 'photons', 'objects');
  const before = new Map(readdirSync(objects).map((f) => [f, readFileSync(join(objects, f))]));
  assert.ok(before.size >= 2);
  for (const [f, b] of before) {
    assert.ok(isEnvelope(b), `${f} is an envelope`);
    assert.equal(statSync(join(objects, f)).mode & 0o077, 0, 'object files are 0600');
  }
  const secretFile = join(p.home, 'secrets', 'API_KEY.secret');
  const secretBefore = readFileSync(secretFile);
  const oldKeyId = envelopeKeyId(secretBefore);
  const r = await call('POST', '/api/v1/keys/rotate', tok['admin']);
  assert.equal(r.status, 200, r.text);
  const out = JSON.parse(r.text) as { keyId: string; photons: number; secrets: number };
  assert.notEqual(out.keyId, oldKeyId);
  assert.equal(out.photons, before.size);
  assert.equal(out.secrets, 1);
  for (const [f, b] of before) {
    const a = readFileSync(join(objects, f));
    assert.equal(envelopeKeyId(a), out.keyId);
    assert.ok(a.subarray(ENVELOPE_HEADER_BYTES).equals(b.subarray(ENVELOPE_HEADER_BYTES)), 'ciphertext untouched');
  }
  const secretAfter = readFileSync(secretFile);
  assert.equal(envelopeKeyId(secretAfter), out.keyId);
  assert.ok(secretAfter.subarray(ENVELOPE_HEADER_BYTES).equals(secretBefore.subarray(ENVELOPE_HEADER_BYTES)));
  // the new key file is what another process (a new replica) reads; the old key is gone
  const ring = loadKeyRing({ path: join(p.home, 'master.key'), create: false })!;
  assert.equal(ring.current.id, out.keyId);
  assert.deepEqual(ring.previous, []);
  const loaded = await new PhotonRegistry({ home: p.home, codec: envelopeCodec(ring) }).load('tiny@1');
  assert.equal(loaded.ref, 'tiny@1');
  assert.equal((await p.security!.vault().reveal('API_KEY')).toString(), SECRET_VALUE);
  // a replica started after the rotation loads the rewrapped photon
  assert.equal((await call('PATCH', '/api/v1/deployments/tiny', tok['deploy'], { replicas: 2 })).status, 202);
  await p.controlPlane.waitReady('tiny', 60_000, 2);
  const audit = readAuditLog(join(p.home, 'audit.log'));
  const rot = audit.find((e) => e.action === 'key.rotate' && e.result === 'ok');
  assert.equal(rot?.actor, 'admin2');
  assert.ok(audit.some((e) => e.action === 'deployment.create' && e.actor === 'deployer' && e.target === 'zero' && e.result === 'ok'));
  assert.ok(audit.some((e) => e.action === 'deployment.create' && e.actor === 'reader' && e.result === 'denied'));
  assert.ok(audit.some((e) => e.action === 'token.remove' && e.result === 'ok'));
  assert.ok(audit.some((e) => e.action === 'key.rotate' && e.result === 'denied' && e.actor === 'deployer'));
  assert.ok(audit.every((e) => typeof e.ts === 'string' && e.ts.length > 0));
});
