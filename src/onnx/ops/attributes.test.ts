// The one attribute reader: defaults for absent attributes, typed errors for malformed ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../../core/errors.js';
import { attr } from '../builder.js';
import { attrFloat, attrFloats, attrInt, attrInts, attrString, attrTensor, hasAttr, type AttrNode } from './attributes.js';

const node: AttrNode = {
  opType: 'Conv',
  name: 'conv0',
  attrs: {
    group: attr.int(2),
    pads: attr.ints([1, 1, 1, 1]),
    alpha: attr.float(0.5),
    scales: attr.floats([1, 2]),
    auto_pad: attr.string('VALID'),
    value: attr.tensor({ dtype: 'float32', dims: [2], data: Float32Array.of(3, 4) }),
    half: attr.int(1.5),
    bad_ints: attr.ints([1, 2.5]),
  },
};

const corrupt = (key: string) => (e: unknown) =>
  e instanceof LeptonError && e.code === 'LEPTON_ERR_CORRUPT_FILE' && e.message.includes(`'${key}'`) && e.message.includes('Conv (conv0)');

test('present attributes are read with their type', () => {
  assert.equal(attrInt(node, 'group', 1), 2);
  assert.deepEqual(attrInts(node, 'pads'), [1, 1, 1, 1]);
  assert.equal(attrFloat(node, 'alpha', 1), 0.5);
  assert.deepEqual(attrFloats(node, 'scales'), [1, 2]);
  assert.equal(attrString(node, 'auto_pad', 'NOTSET'), 'VALID');
  assert.deepEqual(Array.from(attrTensor(node, 'value').data as Float32Array), [3, 4]);
  assert.ok(hasAttr(node, 'group'));
  assert.ok(!hasAttr(node, 'strides'));
});

test('absent attributes take the default, which may be any value (undefined included)', () => {
  assert.equal(attrInt(node, 'transB', 0), 0);
  assert.deepEqual(attrInts(node, 'strides', [1, 1]), [1, 1]);
  assert.equal(attrInts(node, 'perm', undefined), undefined);
  assert.equal(attrFloat(node, 'beta', 1), 1);
  assert.equal(attrString(node, 'mode', 'constant'), 'constant');
  assert.equal(attrTensor(node, 'other', null), null);
  assert.equal(attrInt({ opType: 'Relu' }, 'axis', -1), -1, 'a node with no attrs at all');
});

test('an absent attribute without a default is required', () => {
  assert.throws(() => attrInts(node, 'kernel_shape'), (e: unknown) => corrupt('kernel_shape')(e) && (e as Error).message.includes('required'));
  assert.throws(() => attrInt({ opType: 'Cast' }, 'to'), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CORRUPT_FILE');
});

test('a wrong type is a malformed model, not the default', () => {
  assert.throws(() => attrInt(node, 'alpha', 1), corrupt('alpha'));
  assert.throws(() => attrFloat(node, 'group', 1), corrupt('group'));
  assert.throws(() => attrInts(node, 'group', [1]), corrupt('group'));
  assert.throws(() => attrFloats(node, 'pads', []), corrupt('pads'));
  assert.throws(() => attrString(node, 'pads', ''), corrupt('pads'));
  assert.throws(() => attrTensor(node, 'auto_pad', null), corrupt('auto_pad'));
  const err = (() => {
    try {
      attrInt(node, 'alpha', 1);
    } catch (e) {
      return e as LeptonError;
    }
    return null;
  })();
  assert.deepEqual(err?.details, { op: 'Conv', node: 'conv0', attribute: 'alpha' });
  assert.match(err!.message, /must be int, got float/);
});

test('int and ints values must be integers', () => {
  assert.throws(() => attrInt(node, 'half', 0), corrupt('half'));
  assert.throws(() => attrInts(node, 'bad_ints', []), corrupt('bad_ints'));
});
