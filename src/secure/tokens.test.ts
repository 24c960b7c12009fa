// Tokens and scopes: the full allow/deny matrix, expiry, revocation, malformed headers, hashing only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/index.js';
import { authorize, requireScope, parseScope, parseScopes, inferScope, isLoopbackAddress, type Scope } from './scopes.js';
import { MemoryTokenStore } from './token-store.js';
import { checkTokenStore } from './token-store.conformance.js';
import {
  issueToken, verifyBearer, parseDuration, hashToken, revokeToken, ensureAdminToken, publicTokenView, TOKEN_PATTERN,
} from './tokens.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;
const T0 = 1_700_000_000_000;

test('scope matrix: every scope allowed and denied', () => {
  const required: Scope[] = ['admin', 'deploy', 'read', 'infer:a', 'infer:b'];
  // granted → which of `required` it allows
  const expect: Record<string, boolean[]> = {
    admin: [true, true, true, true, true],
    deploy: [false, true, true, false, false],
    read: [false, false, true, false, false],
    'infer:a': [false, false, false, true, false],
  };
  for (const [granted, row] of Object.entries(expect)) {
    required.forEach((req, i) => {
      assert.equal(authorize([granted], req), row[i], `${granted} → ${req}`);
      const p = { name: 'n', scopes: [granted] };
      if (row[i]) requireScope(p, req);
      else assert.throws(() => requireScope(p, req), code('LEPTON_ERR_FORBIDDEN'), `${granted} → ${req}`);
    });
  }
  assert.equal(authorize(['read', 'infer:b'], 'infer:b'), true);
  assert.equal(authorize([], 'read'), false);
  assert.equal(inferScope('mnist'), 'infer:mnist');
});

test('scope strings are validated', () => {
  assert.deepEqual(parseScopes('read, infer:mnist,read'), ['read', 'infer:mnist']);
  for (const bad of ['root', 'infer:', 'infer:../x', 'infer:A', 'Admin', 'infer:*', '', 'read;admin']) {
    assert.throws(() => parseScope(bad), code('LEPTON_ERR_INVALID_ARGUMENT'), bad);
  }
  assert.throws(() => parseScopes(' , '), code('LEPTON_ERR_INVALID_ARGUMENT'));
});

test('durations', () => {
  assert.equal(parseDuration('30d'), 30 * 86_400_000);
  assert.equal(parseDuration('12h'), 12 * 3_600_000);
  assert.equal(parseDuration('15m'), 15 * 60_000);
  assert.equal(parseDuration('45s'), 45_000);
  for (const bad of ['0d', '-1d', '1y', 'd', '1.5h', '', '3651d', '1e3s']) {
    assert.throws(() => parseDuration(bad), code('LEPTON_ERR_INVALID_ARGUMENT'), bad);
  }
});

test('issue stores only the hash; verify returns the principal and touches last-used', async () => {
  const store = new MemoryTokenStore();
  const { token, record } = await issueToken(store, { name: 'ci bot', scopes: 'deploy', now: T0 });
  assert.match(token, TOKEN_PATTERN);
  assert.ok(token.startsWith(`lep_${record.id}_`));
  const stored = (await store.list())[0]!;
  assert.equal(stored.hash, hashToken(token));
  assert.equal(JSON.stringify(await store.list()).includes(token.slice(17)), false, 'secret part never stored');
  assert.equal('hash' in publicTokenView(stored), false);
  const p = await verifyBearer(`Bearer ${token}`, store, T0 + 1000);
  assert.deepEqual(p, { tokenId: record.id, name: 'ci bot', scopes: ['deploy'] });
  assert.equal((await store.findById(record.id))!.lastUsedAt, T0 + 1000);
  await verifyBearer(`bearer  ${token}`, store, T0 + 2000);
  assert.equal((await store.findById(record.id))!.lastUsedAt, T0 + 1000, 'touch throttled');
  await verifyBearer(`Bearer ${token}`, store, T0 + 62_000);
  assert.equal((await store.findById(record.id))!.lastUsedAt, T0 + 62_000);
  assert.equal((await store.findByHash(hashToken(token)))!.id, record.id);
});

test('expiry and revocation give 401', async () => {
  const store = new MemoryTokenStore();
  const { token, record } = await issueToken(store, { name: 'short', scopes: ['read'], expiresIn: '15m', now: T0 });
  assert.equal(record.expiresAt, T0 + 15 * 60_000);
  await verifyBearer(`Bearer ${token}`, store, T0 + 15 * 60_000 - 1);
  await assert.rejects(verifyBearer(`Bearer ${token}`, store, T0 + 15 * 60_000), code('LEPTON_ERR_UNAUTHENTICATED'));
  assert.equal(publicTokenView(record, T0 + 15 * 60_000).status, 'expired');
  const other = await issueToken(store, { name: 'long', scopes: ['read'], now: T0 });
  await revokeToken(store, other.record.id, T0 + 5);
  await assert.rejects(verifyBearer(`Bearer ${other.token}`, store, T0 + 10), code('LEPTON_ERR_UNAUTHENTICATED'));
  await assert.rejects(revokeToken(store, 'nope', T0), code('LEPTON_ERR_NOT_FOUND'));
  assert.equal(publicTokenView((await store.findById(other.record.id))!).status, 'revoked');
});

test('malformed headers and forged tokens give 401', async () => {
  const store = new MemoryTokenStore();
  const { token, record } = await issueToken(store, { name: 'x', scopes: 'admin', now: T0 });
  const forged = `lep_${record.id}_${'A'.repeat(43)}`;
  const unknownId = `lep_000000000000_${token.slice(17)}`;
  const bad: Array<string | string[] | undefined> = [
    undefined, '', 'Bearer', 'Bearer ', `Basic ${token}`, token, `Bearer ${token} extra`, `Bearer ${token}x`,
    `Bearer ${token.slice(0, -1)}`, `Bearer ${forged}`, `Bearer ${unknownId}`, [`Bearer ${token}`, `Bearer ${token}`],
    `Bearer ${'a'.repeat(5000)}`, `Bearer\t${token}`, `Bearer ${token.toUpperCase()}`,
  ];
  for (const h of bad) await assert.rejects(verifyBearer(h, store, T0), code('LEPTON_ERR_UNAUTHENTICATED'), String(h).slice(0, 60));
});

test('issue validates name, scopes and lifetime', async () => {
  const store = new MemoryTokenStore();
  await assert.rejects(issueToken(store, { name: '', scopes: 'read' }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  await assert.rejects(issueToken(store, { name: 'a\nb', scopes: 'read' }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  await assert.rejects(issueToken(store, { name: 'a', scopes: 'root' }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  await assert.rejects(issueToken(store, { name: 'a', scopes: 'read', expiresIn: '0m' }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  await assert.rejects(issueToken(store, { name: 'a', scopes: 'read', expiresIn: -5 }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  assert.equal((await store.list()).length, 0);
});

test('bootstrap admin token is created once', async () => {
  const store = new MemoryTokenStore();
  const first = await ensureAdminToken(store, T0);
  assert.ok(first);
  assert.deepEqual(first.record.scopes, ['admin']);
  assert.equal(await ensureAdminToken(store, T0 + 1), undefined);
  await revokeToken(store, first.record.id, T0 + 2);
  const again = await ensureAdminToken(store, T0 + 3);
  assert.ok(again && again.token !== first.token);
});

test('loopback detection for --insecure-local', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(a), true, a);
  for (const a of ['10.0.0.1', '0.0.0.0', '::', '::ffff:10.0.0.1', '127.0.0.256', 'localhost', undefined, '1127.0.0.1']) {
    assert.equal(isLoopbackAddress(a), false, String(a));
  }
});

test('MemoryTokenStore passes the TokenStore conformance check', async () => {
  await checkTokenStore(new MemoryTokenStore());
});

test('issue retries on an id clash and gives up on other store errors', async () => {
  class Clashing extends MemoryTokenStore {
    fails = 2;
    override create(r: Parameters<MemoryTokenStore['create']>[0]): Promise<void> {
      if (this.fails-- > 0) return Promise.reject(new LeptonError('LEPTON_ERR_CONFLICT', 'clash'));
      return super.create(r);
    }
  }
  const s = new Clashing();
  const { token } = await issueToken(s, { name: 'x', scopes: 'read', now: T0 });
  assert.equal((await verifyBearer(`Bearer ${token}`, s, T0)).name, 'x');
  class Broken extends MemoryTokenStore {
    override create(): Promise<void> { return Promise.reject(new LeptonError('LEPTON_ERR_IO', 'disk')); }
  }
  await assert.rejects(issueToken(new Broken(), { name: 'x', scopes: 'read' }), code('LEPTON_ERR_IO'));
});
