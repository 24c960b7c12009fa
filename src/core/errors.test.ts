import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError, ERROR_STATUS, toLeptonError, exitCodeFor } from './errors.js';

test('every code maps to an HTTP status and the envelope carries it', () => {
  for (const [code, status] of Object.entries(ERROR_STATUS)) {
    assert.match(code, /^LEPTON_ERR_[A-Z_]+$/);
    assert.ok(status >= 400 && status < 600);
    const e = new LeptonError(code as keyof typeof ERROR_STATUS, 'm');
    assert.equal(e.status, status);
    assert.deepEqual(e.toJSON(), { error: { code, message: 'm' } });
  }
});

test('unknown throws are wrapped without leaking their message', () => {
  const e = toLeptonError(new Error('secret path /etc/shadow'));
  assert.equal(e.code, 'LEPTON_ERR_INTERNAL');
  assert.equal(e.message, 'internal error');
  assert.equal(exitCodeFor(e), 1);
  assert.equal(exitCodeFor(new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'x')), 2);
});

test('resource names are DNS labels: no trailing dash, no uppercase, at most 63 chars', async () => {
  const { isResourceName } = await import('./names.js');
  for (const ok of ['a', 'mnist', 'm-2', 'a'.repeat(63)]) assert.ok(isResourceName(ok), ok);
  for (const bad of ['', 'abc-', '-abc', 'Abc', 'a_b', 'a'.repeat(64), '../x', 'a/b', 5]) assert.ok(!isResourceName(bad), String(bad));
});
