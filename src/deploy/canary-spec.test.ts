import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePatch, type DeploymentSpec } from './spec.js';

const BASE: DeploymentSpec = { name: 'd', photon: 'p@1', replicas: 2, policy: 'least-request' };
const WITH: DeploymentSpec = { ...BASE, canary: { photon: 'p@2', weight: 10, replicas: 1 } };

test('canary: defaults, gate defaults, and the limits', () => {
  assert.deepEqual(parsePatch({ canary: { photon: 'p@2' } }, BASE).canary, { photon: 'p@2', weight: 10, replicas: 1 });
  assert.deepEqual(parsePatch({ canary: { photon: 'p@2', weight: 25, gate: { maxErrorRate: 0.05 } } }, BASE).canary, {
    photon: 'p@2', weight: 25, replicas: 1, gate: { maxErrorRate: 0.05, windowMs: 30_000, minRequests: 20 },
  });
  assert.throws(() => parsePatch({ canary: { photon: 'p@2', weight: 101 } }, BASE), /canary.weight/);
  assert.throws(() => parsePatch({ canary: { weight: 5 } }, BASE), /canary.photon' is required/);
  assert.throws(() => parsePatch({ canary: { photon: 'p@2', gate: { windowMs: 5000 } } }, BASE), /needs maxErrorRate or maxP99Ms/);
  assert.throws(() => parsePatch({ canary: { photon: 'p@2', extra: 1 } }, BASE), /unknown field 'extra'/);
});

test('canaryWeight, promote and rollback need a canary; photon waits for it to end', () => {
  assert.equal(parsePatch({ canaryWeight: 40 }, WITH).canaryWeight, 40);
  assert.throws(() => parsePatch({ canaryWeight: 40 }, BASE), /has no canary/);
  assert.equal(parsePatch({ promote: true }, WITH).promote, true);
  assert.throws(() => parsePatch({ promote: true }, BASE), /no canary to promote/);
  assert.throws(() => parsePatch({ promote: false }, WITH), /must be true/);
  assert.throws(() => parsePatch({ promote: true, photon: 'p@3' }, WITH), /goes alone/);
  assert.equal(parsePatch({ canary: null }, WITH).canary, null);
  assert.throws(() => parsePatch({ canary: null }, BASE), /has none/);
  assert.throws(() => parsePatch({ photon: 'p@3' }, WITH), /cannot change while a canary runs/);
});
