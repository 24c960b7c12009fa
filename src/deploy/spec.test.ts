// Validation of deployment bodies: defaults, every rejected field with an actionable message, patches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/errors.js';
import { AUTOSCALING_DEFAULTS, parseCreate, parsePatch } from './spec.js';

const bad = (fn: () => unknown, field: RegExp): void => {
  assert.throws(fn, (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT' && field.test(e.message));
};

test('create fills defaults', () => {
  assert.deepEqual(parseCreate({ name: 'web', photon: 'p' }), { name: 'web', photon: 'p', replicas: 1, policy: 'least-request' });
  const s = parseCreate({ name: 'web', photon: 'p@2', autoscaling: { minReplicas: 2, maxReplicas: 5 } });
  assert.deepEqual(s.autoscaling, { minReplicas: 2, maxReplicas: 5, ...AUTOSCALING_DEFAULTS });
  assert.equal(s.replicas, 2, 'starts at minReplicas');
  assert.equal(parseCreate({ name: 'w', photon: 'p', replicas: 9, autoscaling: { maxReplicas: 3 } }).replicas, 3, 'clamped to max');
});

test('create rejects bad bodies with the field named', () => {
  bad(() => parseCreate(null), /JSON object/);
  bad(() => parseCreate([]), /JSON object/);
  bad(() => parseCreate({ photon: 'p' }), /'name'/);
  bad(() => parseCreate({ name: 'Web!', photon: 'p' }), /'name'/);
  bad(() => parseCreate({ name: 'web' }), /'photon' is required/);
  bad(() => parseCreate({ name: 'web', photon: '../etc' }), /'photon'/);
  bad(() => parseCreate({ name: 'web', photon: 'p', replicas: 1.5 }), /'replicas'/);
  bad(() => parseCreate({ name: 'web', photon: 'p', replicas: 1000 }), /'replicas'/);
  bad(() => parseCreate({ name: 'web', photon: 'p', replicas: '2' }), /'replicas'/);
  bad(() => parseCreate({ name: 'web', photon: 'p', policy: 'random' }), /'policy'/);
  bad(() => parseCreate({ name: 'web', photon: 'p', extra: 1 }), /unknown field 'extra'/);
  bad(() => parseCreate({ name: 'web', photon: 'p', autoscaling: { minReplicas: 4, maxReplicas: 2 } }), /maxReplicas/);
  bad(() => parseCreate({ name: 'web', photon: 'p', autoscaling: { targetOngoing: 0 } }), /targetOngoing/);
  bad(() => parseCreate({ name: 'web', photon: 'p', autoscaling: { upscaleDelayMs: -1 } }), /upscaleDelayMs/);
  bad(() => parseCreate({ name: 'web', photon: 'p', affinity: { header: 'bad header' } }), /affinity.header/);
});

test('patch validates against the current spec', () => {
  const cur = parseCreate({ name: 'web', photon: 'p@1', autoscaling: { minReplicas: 1, maxReplicas: 4 } });
  assert.deepEqual(parsePatch({ photon: 'p@2' }, cur), { photon: 'p@2' });
  assert.deepEqual(parsePatch({ autoscaling: { minReplicas: 0 } }, cur).autoscaling, { ...cur.autoscaling!, minReplicas: 0 });
  assert.equal(parsePatch({ autoscaling: null }, cur).autoscaling, null);
  bad(() => parsePatch({}, cur), /nothing to update/);
  bad(() => parsePatch({ name: 'x' }, cur), /unknown field 'name'/);
  bad(() => parsePatch({ autoscaling: { minReplicas: 9 } }, cur), /maxReplicas/);
  assert.deepEqual(parsePatch({ secrets: ['API_KEY'] }, cur), { secrets: ['API_KEY'] });
  assert.deepEqual(parsePatch({ secrets: [] }, cur), { secrets: [] });
  bad(() => parsePatch({ secrets: ['NODE_OPTIONS'] }, cur), /override the replica's own environment/);
  bad(() => parsePatch({ secrets: 'API_KEY' }, cur), /'secrets' must be an array/);
});

test('photon refs take model names (Triton characters); a deployment name stays a DNS label and the error offers the converted form', () => {
  assert.equal(parseCreate({ name: 'torch-cnn', photon: 'torch_cnn@1' }).photon, 'torch_cnn@1');
  assert.equal(parseCreate({ name: 'r', photon: 'ResNet.v2' }).photon, 'ResNet.v2');
  bad(() => parseCreate({ name: 'r', photon: '.hidden' }), /'photon'/);
  bad(() => parseCreate({ name: 'r', photon: 'a@V1' }), /'photon'/);
  bad(() => parseCreate({ name: 'torch_cnn', photon: 'torch_cnn' }), /try 'torch-cnn'/);
});
