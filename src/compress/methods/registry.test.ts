// The compression-method registry: each entry's canonical spellings parse back to themselves, the
// help texts list every method, and unknown or malformed spellings are INVALID_ARGUMENT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../../core/errors.js';
import { METHODS, METHOD_HELP, epochsHelp, fileSafeName, methodsHelp, parseMethod } from './registry.js';

const invalid = (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT';

test('every entry parses its own canonical names back to themselves', () => {
  assert.equal(new Set(METHODS.map((m) => m.kind)).size, METHODS.length);
  for (const entry of METHODS) {
    assert.ok(entry.examples.length > 0, entry.kind);
    for (const example of entry.examples) {
      const m = parseMethod(example);
      assert.equal(m.kind, entry.kind);
      assert.equal(m.name, example, `${example} is not canonical`);
      assert.equal(parseMethod(m.name).name, m.name);
      assert.deepEqual(m.epochs, entry.epochs);
    }
  }
});

test('other spellings of the same method get the one canonical name', () => {
  const same: Array<[string, string]> = [
    ['prune:.50', 'prune:0.5'],
    ['prune:5e-1', 'prune:0.5'],
    ['prune-structured:0.250', 'prune-structured:0.25'],
    ['distill:mlp-064', 'distill:mlp-64'],
    ['distill:cnn-08-16', 'distill:cnn-8-16'],
  ];
  for (const [text, name] of same) assert.equal(parseMethod(text).name, name, text);
});

test('the help texts list every method', () => {
  const long = methodsHelp();
  for (const m of METHODS) {
    assert.ok(METHOD_HELP.split(' | ').includes(m.usage), m.usage);
    assert.ok(long.includes(m.usage) && long.includes(m.help), m.kind);
    if (m.epochs) assert.ok(epochsHelp().includes(`${m.kind}: `), m.kind);
  }
});

test('an unknown method is INVALID_ARGUMENT listing the known ones', () => {
  for (const bad of ['int4', 'int8', 'prune_0.5', '', ':0.5']) {
    assert.throws(
      () => parseMethod(bad),
      (e: unknown) => invalid(e) && METHODS.every((m) => (e as Error).message.includes(m.usage)),
      JSON.stringify(bad),
    );
  }
});

test('malformed arguments are INVALID_ARGUMENT', () => {
  for (const bad of ['prune', 'prune:', 'prune:1', 'prune:0', 'prune:abc', 'prune:0.5:1', 'prune-structured:-0.5', 'distill', 'distill:', 'distill:rnn-3', 'distill:mlp-0', 'fp16:2', 'int8-dynamic:', 'int8-static:x']) {
    assert.throws(() => parseMethod(bad), invalid, bad);
  }
});

test('file-safe names keep only safe characters and stay distinct', () => {
  const names = METHODS.flatMap((m) => m.examples);
  const files = names.map(fileSafeName);
  for (const f of files) assert.match(f, /^[A-Za-z0-9._-]+$/);
  assert.equal(new Set(files).size, names.length);
  assert.equal(fileSafeName('prune:0.5'), 'prune_0.5');
});
