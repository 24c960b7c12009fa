// Security headers, CORS and the 401 challenge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { securityHeaders, corsHeaders, authChallengeHeaders } from './headers.js';

test('API responses: nosniff, no framing, no referrer, no-store, HSTS only with TLS', () => {
  const h = securityHeaders({ kind: 'api' });
  assert.equal(h['X-Content-Type-Options'], 'nosniff');
  assert.equal(h['X-Frame-Options'], 'DENY');
  assert.match(h['Content-Security-Policy']!, /frame-ancestors 'none'/);
  assert.match(h['Content-Security-Policy']!, /default-src 'none'/);
  assert.equal(h['Referrer-Policy'], 'no-referrer');
  assert.equal(h['Cache-Control'], 'no-store');
  assert.equal(h['Strict-Transport-Security'], undefined);
  assert.equal(securityHeaders({ kind: 'api', tls: true })['Strict-Transport-Security'], 'max-age=31536000');
  assert.equal(securityHeaders({ kind: 'api', tls: true, hstsMaxAgeSeconds: 60 })['Strict-Transport-Security'], 'max-age=60');
});

test('dashboard responses: self-only CSP, cacheable, no framing', () => {
  const h = securityHeaders({ kind: 'dashboard' });
  assert.equal(h['Cache-Control'], undefined);
  assert.match(h['Content-Security-Policy']!, /default-src 'self'/);
  assert.match(h['Content-Security-Policy']!, /frame-ancestors 'none'/);
  assert.equal(h['X-Frame-Options'], 'DENY');
  assert.equal(securityHeaders({ kind: 'dashboard', contentSecurityPolicy: "default-src 'self'" })['Content-Security-Policy'], "default-src 'self'");
});

test('CORS is off unless configured, exact-origin otherwise', () => {
  assert.deepEqual(corsHeaders('https://evil.example', { allowedOrigins: [] }), {});
  assert.deepEqual(corsHeaders(undefined, { allowedOrigins: ['https://app.example'] }), {});
  assert.deepEqual(corsHeaders('https://evil.example', { allowedOrigins: ['https://app.example'] }), {});
  assert.deepEqual(corsHeaders('https://app.example', { allowedOrigins: ['https://app.example'] }), {
    'Access-Control-Allow-Origin': 'https://app.example', Vary: 'Origin',
  });
  const pre = corsHeaders('https://x', { allowedOrigins: ['*'], maxAgeSeconds: 5 }, true);
  assert.equal(pre['Access-Control-Allow-Origin'], '*');
  assert.equal(pre['Access-Control-Max-Age'], '5');
  assert.match(pre['Access-Control-Allow-Headers']!, /Authorization/);
  assert.equal(pre['Access-Control-Allow-Credentials'], undefined);
});

test('401 challenge', () => {
  assert.equal(authChallengeHeaders(false)['WWW-Authenticate'], 'Bearer realm="lepton"');
  assert.match(authChallengeHeaders(true)['WWW-Authenticate']!, /invalid_token/);
});
