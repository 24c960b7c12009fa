// Optional TLS (HTTPS front door with HSTS) and CORS: off unless origins are configured, then only
// for those origins, with preflight answered; the token check still applies behind CORS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startTestPlatform } from './platform-helpers.js';

test('CORS is off by default and allows only configured origins', { timeout: 30_000 }, async () => {
  const off = await startTestPlatform();
  try {
    const r = await request(`${off.url}/api/v1/deployments`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
    await r.body.dump();
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  } finally {
    await off.dispose();
  }
  const on = await startTestPlatform({ security: { corsOrigins: ['https://app.example.com'] } });
  try {
    const pre = await request(`${on.url}/api/v1/deployments`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
    await pre.body.dump();
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(pre.headers['access-control-allow-headers']), /Authorization/);
    const other = await request(`${on.url}/api/v1/deployments`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${on.token}` } });
    await other.body.dump();
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const noToken = await request(`${on.url}/api/v1/deployments`, { headers: { origin: 'https://app.example.com' } });
    await noToken.body.dump();
    assert.equal(noToken.statusCode, 401, 'CORS does not bypass auth');
    const ok = await request(`${on.url}/api/v1/deployments`, { headers: { origin: 'https://app.example.com', authorization: `Bearer ${on.token}` } });
    await ok.body.dump();
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
  } finally {
    await on.dispose();
  }
});

test('--tls-cert/--tls-key: the front door serves HTTPS with HSTS', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    const p = await startTestPlatform({ tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
    const dispatcher = new Agent({ connect: { ca: cert } });
    try {
      assert.match(p.url, /^https:\/\//);
      const r = await request(`${p.url}/api/v1/deployments`, { headers: { authorization: `Bearer ${p.token}` }, dispatcher });
      await r.body.dump();
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/);
      const denied = await request(`${p.url}/api/v1/deployments`, { dispatcher });
      await denied.body.dump();
      assert.equal(denied.statusCode, 401);
    } finally {
      await dispatcher.close();
      await p.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
