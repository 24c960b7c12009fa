// Store: migrations to the latest schema, state that survives reopening, conflicts, events, replicas,
// transactions that roll back whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { Store } from './store.js';

const spec = { name: 'web', photon: 'p@1', replicas: 2, policy: 'least-request' as const };

test('state survives closing and reopening the database', () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-store-'));
  try {
    const s = new Store(home);
    assert.equal(s.schemaVersion, 5);
    s.createDeployment(spec);
    s.updateStatus('web', { phase: 'Running', desiredReplicas: 2, readyReplicas: 2, photon: 'p@1', message: '', replicas: [] });
    s.upsertPhoton({ name: 'p', version: '1', sha256: 'ab', bytes: 3, created: 'now' });
    s.addEvent({ deployment: 'web', type: 'created', message: 'hello' });
    s.putReplica({ id: 'web-1', deployment: 'web', pid: 123, port: 4000, photon: 'p@1', procStart: 987654 });
    s.close();
    const again = new Store(home);
    const row = again.getDeployment('web')!;
    assert.deepEqual(row.spec, spec);
    assert.equal(row.status?.phase, 'Running');
    assert.equal(again.listPhotons()[0]!.sha256, 'ab');
    assert.equal(again.listEvents({ deployment: 'web' })[0]!.message, 'hello');
    assert.deepEqual(again.listReplicas(), [{ id: 'web-1', deployment: 'web', pid: 123, port: 4000, photon: 'p@1', procStart: 987654 }]);
    again.updateSpec({ ...spec, replicas: 3 });
    assert.equal(again.getDeployment('web')!.generation, 2);
    assert.equal(again.deleteDeployment('web'), true);
    assert.equal(again.getDeployment('web'), undefined);
    again.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('migrates a v1 database forward and refuses a newer one', () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-store-'));
  try {
    const s = new Store(home);
    s.db.exec('DROP TABLE replicas; DROP TABLE tokens');
    s.db.pragma('user_version = 1');
    s.close();
    const upgraded = new Store(home);
    assert.equal(upgraded.schemaVersion, 5);
    assert.deepEqual(upgraded.listReplicas(), []);
    upgraded.db.pragma('user_version = 99');
    upgraded.close();
    assert.throws(() => new Store(home), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_UNSUPPORTED');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a corrupt database file is a clear error, not a crash', () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-store-'));
  try {
    writeFileSync(join(home, 'lepton.db'), 'this is not sqlite at all, just some bytes that go on'.repeat(100));
    assert.throws(() => new Store(home), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CORRUPT_FILE');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('duplicate deployment is a conflict; events page by id and filter by deployment', () => {
  const s = new Store(':memory:');
  s.createDeployment(spec);
  assert.throws(() => s.createDeployment(spec), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CONFLICT');
  for (let i = 0; i < 5; i++) s.addEvent({ deployment: i % 2 ? 'a' : 'b', type: 't', message: String(i) });
  const all = s.listEvents();
  assert.deepEqual(all.map((e) => e.message), ['0', '1', '2', '3', '4']);
  assert.deepEqual(s.listEvents({ deployment: 'a' }).map((e) => e.message), ['1', '3']);
  assert.deepEqual(s.listEvents({ since: all[2]!.id }).map((e) => e.message), ['3', '4']);
  assert.deepEqual(s.listEvents({ limit: 2 }).map((e) => e.message), ['3', '4'], 'limit keeps the newest');
  s.close();
});

test('a transaction that throws writes nothing', () => {
  const s = new Store(':memory:');
  assert.throws(() =>
    s.transaction(() => {
      s.createDeployment(spec);
      s.addEvent({ deployment: 'web', type: 'created', message: 'x' });
      throw new Error('a later step failed');
    }),
  /a later step failed/);
  assert.equal(s.getDeployment('web'), undefined);
  assert.deepEqual(s.listEvents(), []);
  s.transaction(() => s.createDeployment(spec));
  assert.equal(s.getDeployment('web')?.spec.name, 'web');
  s.close();
});
