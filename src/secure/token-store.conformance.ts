/**
 * Shared conformance check for TokenStore implementations (memory here, SQLite in src/deploy): one
 * async function a test calls with an empty store. Test-only; not exported from the barrel.
 */
import assert from 'node:assert/strict';
import { LeptonError } from '../core/index.js';
import type { TokenRecord, TokenStore } from './token-store.js';
import { issueToken, verifyBearer, hashToken } from './tokens.js';

const rec = (id: string, createdAt: number, extra: Partial<TokenRecord> = {}): TokenRecord => ({
  id, name: `n-${id}`, scopes: ['read', 'infer:m'], hash: hashToken(`lep_${id}_x`), createdAt,
  expiresAt: null, lastUsedAt: null, revokedAt: null, ...extra,
});

/** Run every contract check against `store`, which must start empty. Throws an AssertionError on a breach. */
export async function checkTokenStore(store: TokenStore): Promise<void> {
  assert.deepEqual(await store.list(), [], 'store must start empty');
  const a = rec('aaaaaaaaaaaa', 2000, { expiresAt: 9000 });
  const b = rec('bbbbbbbbbbbb', 1000);
  await store.create(a);
  await store.create(b);
  await assert.rejects(store.create({ ...a, name: 'dup' }), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CONFLICT', 'duplicate id → CONFLICT');

  assert.deepEqual(await store.findById(a.id), a, 'round trip keeps every field');
  assert.deepEqual(await store.findByHash(b.hash), b);
  assert.equal(await store.findById('cccccccccccc'), undefined);
  assert.equal(await store.findByHash(hashToken('nothing')), undefined);
  assert.deepEqual((await store.list()).map((r) => r.id), [b.id, a.id], 'list is oldest first');

  const got = await store.findById(a.id);
  got!.scopes.push('admin');
  assert.deepEqual((await store.findById(a.id))!.scopes, ['read', 'infer:m'], 'returned records are copies');

  await store.touch(a.id, 5000);
  assert.equal((await store.findById(a.id))!.lastUsedAt, 5000);
  await store.touch('cccccccccccc', 5000); // unknown id: no error

  assert.equal(await store.revoke(a.id, 6000), true);
  assert.equal(await store.revoke(a.id, 7000), true);
  assert.equal((await store.findById(a.id))!.revokedAt, 6000, 'first revocation time kept');
  assert.equal(await store.revoke('cccccccccccc', 6000), false);
  assert.equal((await store.list()).length, 2, 'revoked tokens still listed');

  // the rate limit's three states round-trip: own number, explicit unlimited, absent (server default)
  const own = rec('dddddddddddd', 3000, { rateLimit: 20.5 });
  const unlimited = rec('eeeeeeeeeeee', 3001, { rateLimit: null });
  await store.create(own);
  await store.create(unlimited);
  assert.deepEqual(await store.findById(own.id), own);
  assert.deepEqual(await store.findById(unlimited.id), unlimited);
  assert.equal('rateLimit' in (await store.findById(b.id))!, false, 'no limit of its own: the key is absent');

  // end to end through the token API
  const issued = await issueToken(store, { name: 'e2e', scopes: 'deploy', now: 10_000 });
  assert.equal((await verifyBearer(`Bearer ${issued.token}`, store, 10_001)).name, 'e2e');
  assert.equal(JSON.stringify(await store.list()).includes(issued.token), false, 'no plaintext token stored');
}
