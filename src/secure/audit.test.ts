// Audit log: one JSON line per event, append-only, 0600, secrets never written, torn lines tolerated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, statSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeptonError } from '../core/index.js';
import { AuditLog, readAuditLog } from './audit.js';

test('events are appended as JSON lines with who/what/when/target/result', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-audit-'));
  try {
    const path = join(dir, 'logs', 'audit.log');
    let t = Date.UTC(2026, 0, 2, 3, 4, 5);
    const log = new AuditLog(path, { clock: () => t, secrets: () => ['s3cr3t-value'] });
    log.append({ actor: 'ci', actorId: 'abc', action: 'deployment.create', target: 'mnist', result: 'ok', details: { replicas: 2 } });
    t += 1000;
    log.append({ actor: 'ci', action: 'secret.set', target: 'HF_TOKEN', result: 'ok', details: { note: 'was s3cr3t-value', value: 'anything', password: 'p' } });
    log.append({ actor: 'eve\n{"forged":true}', action: 'token.create', result: 'denied', code: 'LEPTON_ERR_FORBIDDEN' });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const text = readFileSync(path, 'utf8');
    assert.equal(text.split('\n').length, 4, 'three lines + trailing newline; newline in a field cannot forge a line');
    assert.equal(text.includes('s3cr3t-value'), false);
    const recs = readAuditLog(path);
    assert.equal(recs.length, 3);
    assert.deepEqual(recs[0], { ts: '2026-01-02T03:04:05.000Z', actor: 'ci', actorId: 'abc', action: 'deployment.create', target: 'mnist', result: 'ok', details: { replicas: 2 } });
    assert.deepEqual(recs[1]!.details, { note: 'was [REDACTED]', value: 'anything', password: '[REDACTED]' });
    assert.equal(recs[2]!.result, 'denied');
    // a second writer on the same file appends, never truncates
    new AuditLog(path).append({ actor: 'local', action: 'key.rotate', result: 'ok' });
    assert.equal(readAuditLog(path).length, 4);
    appendFileSync(path, '{"ts":"torn');
    assert.equal(readAuditLog(path).length, 4);
    assert.deepEqual(readAuditLog(join(dir, 'none.log')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid actions and oversized events are refused; huge details are truncated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-audit-'));
  try {
    const log = new AuditLog(join(dir, 'a.log'), { maxLineBytes: 400 });
    assert.throws(() => log.append({ actor: 'a', action: 'Bad Action', result: 'ok' }), LeptonError);
    const r = log.append({ actor: 'a', action: 'photon.push', result: 'ok', details: { blob: 'x'.repeat(1000) } });
    assert.deepEqual(r.details, { truncated: true });
    assert.throws(() => log.append({ actor: 'a'.repeat(1000), action: 'photon.push', result: 'ok' }), LeptonError);
    assert.equal(readAuditLog(join(dir, 'a.log')).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
