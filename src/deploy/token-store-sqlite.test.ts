// The SQLite TokenStore passes the shared src/secure conformance check, and tokens survive a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTokenStore } from '../secure/token-store.conformance.js';
import { issueToken, verifyBearer } from '../secure/tokens.js';
import { Store } from './store.js';
import { SqliteTokenStore } from './token-store-sqlite.js';

test('SqliteTokenStore passes the TokenStore conformance check', async () => {
  const store = new Store(':memory:');
  try {
    await checkTokenStore(new SqliteTokenStore(store.db));
  } finally {
    store.close();
  }
});

test('tokens persist across reopening the store, as hashes only', async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-tokens-'));
  try {
    const s1 = new Store(home);
    const issued = await issueToken(new SqliteTokenStore(s1.db), { name: 'ci', scopes: 'read,infer:mnist', expiresIn: '1d' });
    s1.close();
    const s2 = new Store(home);
    const p = await verifyBearer(`Bearer ${issued.token}`, new SqliteTokenStore(s2.db));
    assert.deepEqual(p.scopes, ['read', 'infer:mnist']);
    const raw = JSON.stringify(s2.db.prepare('SELECT * FROM tokens').all());
    assert.equal(raw.includes(issued.token), false);
    s2.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
