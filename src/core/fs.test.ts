// core/fs: atomic writes and folder creation, including the paths where Node's recursive mkdir hangs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeptonError } from './errors.js';
import { ensureDir, makeDirs, writeFileAtomic } from './fs.js';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'lepton-fs-'));

test('ensureDir makes nested folders and accepts existing ones', () => {
  const dir = scratch();
  try {
    ensureDir(join(dir, 'a', 'b', 'c'));
    ensureDir(join(dir, 'a', 'b', 'c'));
    assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['c']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ensureDir under a file or inside /proc fails with LEPTON_ERR_IO instead of hanging', () => {
  const dir = scratch();
  try {
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    for (const bad of [join(file, 'sub', 'deeper'), `/proc/${process.pid}/lepton/out`, '/proc/lepton-nope/a/b']) {
      assert.throws(
        () => ensureDir(bad),
        (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_IO' && e.message.includes(bad),
      );
    }
    assert.throws(() => makeDirs(join(file, 'x')), /ENOTDIR/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic creates parents, replaces whole files and leaves no temp file behind', () => {
  const dir = scratch();
  try {
    const path = join(dir, 'x', 'y.json');
    writeFileAtomic(path, '{"v":1}');
    writeFileAtomic(path, '{"v":2}');
    assert.equal(readFileSync(path, 'utf8'), '{"v":2}');
    assert.deepEqual(readdirSync(join(dir, 'x')), ['y.json']);
    assert.throws(() => writeFileAtomic(join(path, 'under-a-file'), 'z'), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_IO');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
