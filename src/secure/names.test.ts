// Name and archive-path validation: good names pass unchanged, every traversal shape is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/index.js';
import { validateName, isValidName, validateArchivePath, ArchiveGuard, resolveInside } from './names.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

test('resource and secret names', () => {
  for (const ok of ['mnist', 'a', 'm-1', 'x'.repeat(63), '0abc']) {
    assert.equal(validateName('photon', ok), ok);
    assert.equal(validateName('deployment', ok), ok);
  }
  for (const bad of ['', 'A', '-a', 'a-', '../x', 'a/b', 'a.b', 'x'.repeat(64), 'a\0', ' a', 'é', 7, null]) {
    assert.throws(() => validateName('deployment', bad), code('LEPTON_ERR_INVALID_ARGUMENT'));
  }
  // photon names follow the model-name rule (Triton's characters, issue 12); deployments stay DNS labels
  for (const ok of ['A', 'torch_cnn', 'a.b', 'a-', 'x'.repeat(128)]) assert.equal(validateName('photon', ok), ok);
  for (const bad of ['', '-a', '_a', '.', '..', '../x', 'a/b', 'x'.repeat(129), 'a\0', ' a', 'é', 7, null]) {
    assert.equal(isValidName('photon', bad), false, String(bad));
  }
  for (const ok of ['HF_TOKEN', '_x', 'a1', 'A'.repeat(128)]) assert.equal(validateName('secret', ok), ok);
  for (const bad of ['1A', 'A-B', 'A B', '', '../A', 'A'.repeat(129), 'A=B']) {
    assert.throws(() => validateName('secret', bad), code('LEPTON_ERR_INVALID_ARGUMENT'), bad);
  }
});

test('archive paths: normalised when safe', () => {
  assert.equal(validateArchivePath('model.onnx'), 'model.onnx');
  assert.equal(validateArchivePath('./dir/./f.txt'), 'dir/f.txt');
  assert.equal(validateArchivePath('dir/'), 'dir');
});

test('archive paths: traversal and odd names refused', () => {
  const bad = [
    '', '.', '..', '../x', 'a/../../x', 'a/..', '/etc/passwd', 'C:/x', 'c:x', 'a\\b', '..\\x', 'a\0b', 'a\nb',
    'a//b', 'x'.repeat(256), `${'a/'.repeat(40)}f`, 'y/'.repeat(600),
  ];
  for (const p of bad) assert.throws(() => validateArchivePath(p), code('LEPTON_ERR_CORRUPT_FILE'), JSON.stringify(p));
});

test('ArchiveGuard: links, sizes, counts', () => {
  const g = new ArchiveGuard({ maxEntryBytes: 100, maxTotalBytes: 150, maxEntries: 50 });
  assert.equal(g.check({ path: 'a/b.txt', type: 'file', size: 100 }), 'a/b.txt');
  assert.equal(g.check({ path: 'a/link', type: 'symlink', linkTarget: 'b.txt' }), 'a/link');
  assert.equal(g.check({ path: 'a/up', type: 'symlink', linkTarget: '../top.txt' }), 'a/up');
  for (const target of ['../../etc/passwd', '/etc/passwd', '../..', 'a\\..\\..', '']) {
    assert.throws(() => g.check({ path: 'a/evil', type: 'symlink', linkTarget: target }), code('LEPTON_ERR_CORRUPT_FILE'), target);
  }
  assert.throws(() => g.check({ path: 'h', type: 'hardlink', linkTarget: '../x' }), code('LEPTON_ERR_CORRUPT_FILE'));
  assert.throws(() => g.check({ path: 'dev', type: 'other' }), code('LEPTON_ERR_CORRUPT_FILE'));
  assert.throws(() => g.check({ path: 'big', type: 'file', size: 101 }), code('LEPTON_ERR_PAYLOAD_TOO_LARGE'));
  assert.throws(() => g.check({ path: 'neg', type: 'file', size: -1 }), code('LEPTON_ERR_CORRUPT_FILE'));
  assert.throws(() => g.check({ path: 'c', type: 'file', size: 60 }), code('LEPTON_ERR_PAYLOAD_TOO_LARGE'));
  const counted = new ArchiveGuard({ maxEntries: 2 });
  counted.check({ path: 'x', type: 'directory' });
  counted.check({ path: 'y', type: 'directory' });
  assert.throws(() => counted.check({ path: 'z', type: 'directory' }), code('LEPTON_ERR_CORRUPT_FILE'));
});

test('resolveInside keeps paths under the root', () => {
  assert.equal(resolveInside('/srv/photons/p', 'a/b'), '/srv/photons/p/a/b');
  assert.throws(() => resolveInside('/srv/photons/p', '../p2/x'), LeptonError);
});
