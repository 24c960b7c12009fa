// The model-name rule (Triton's characters) and the one conversion to a DNS-label resource name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isModelName, isResourceName, toResourceName } from './names.js';

test('model names keep Triton characters; the first must be a letter or digit', () => {
  for (const ok of ['torch_cnn', 'ResNet50', 'model.v2', 'a', '0-x', 'a'.repeat(128)]) assert.ok(isModelName(ok), ok);
  for (const bad of ['', '.', '..', '_x', '-x', '__proto__', 'a b', 'a/b', 'a@1', 'é', 'a'.repeat(129), 5]) assert.ok(!isModelName(bad), String(bad));
});

test('toResourceName turns any model name into a valid DNS label', () => {
  assert.equal(toResourceName('torch_cnn'), 'torch-cnn');
  assert.equal(toResourceName('ResNet50.v2'), 'resnet50-v2');
  assert.equal(toResourceName('a__b..c'), 'a-b-c');
  assert.equal(toResourceName('9lives_'), '9lives');
  assert.equal(toResourceName('mnist'), 'mnist');
  assert.equal(toResourceName('___'), 'model');
  const long = toResourceName(`${'a'.repeat(62)}_b`);
  assert.equal(long, 'a'.repeat(62));
  for (const name of ['torch_cnn', 'X', 'a.b.c', 'a'.repeat(128), `${'a'.repeat(62)}_b`, '0_']) assert.ok(isResourceName(toResourceName(name)), name);
});
