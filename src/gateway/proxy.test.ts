// The proxy's small parsers: the x-lepton-timeout-ms budget (validated against the default) and the
// replica's server-timing service time that the adaptive limit follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/errors.js';
import { serviceTimeMs, timeoutOf } from './proxy.js';

test('x-lepton-timeout-ms: absent → the default; a whole number 1..default → itself; anything else → 400', () => {
  assert.equal(timeoutOf({}, 30_000), 30_000);
  assert.equal(timeoutOf({ 'x-lepton-timeout-ms': '250' }, 30_000), 250);
  assert.equal(timeoutOf({ 'x-lepton-timeout-ms': '30000' }, 30_000), 30_000);
  for (const bad of ['0', '30001', '-1', '1.5', '1e3', ' 5', 'abc', '']) {
    assert.throws(() => timeoutOf({ 'x-lepton-timeout-ms': bad }, 30_000), (e: unknown) => e instanceof LeptonError && e.status === 400, bad);
  }
  assert.throws(() => timeoutOf({ 'x-lepton-timeout-ms': ['5', '6'] as unknown as string }, 30_000), (e: unknown) => e instanceof LeptonError && e.status === 400);
});

test('server-timing app;dur is read as the replica service time', () => {
  assert.equal(serviceTimeMs('app;dur=1.25'), 1.25);
  assert.equal(serviceTimeMs('db;dur=3, app;dur=7'), 7);
  assert.equal(serviceTimeMs(undefined), undefined);
  assert.equal(serviceTimeMs('app;dur=abc'), undefined);
  assert.equal(serviceTimeMs('cache;desc=hit'), undefined);
});
