// Streaming file envelopes: same format as in-memory ones; a tampered or truncated file never
// produces output, and an existing destination is left untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LeptonError } from '../core/index.js';
import { generateMasterKey, decryptEnvelope, encryptEnvelope, ENVELOPE_HEADER_BYTES } from './envelope.js';
import { encryptFileEnvelope, decryptFileEnvelope } from './envelope-file.js';

const refused = (e: unknown) => e instanceof LeptonError && (e.code === 'LEPTON_ERR_DECRYPT' || e.code === 'LEPTON_ERR_INTEGRITY');

test('file round trip, interchangeable with the in-memory format', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-envf-'));
  try {
    const mk = generateMasterKey();
    for (const size of [0, 1, 3 * 1024 * 1024 + 7]) {
      const plain = randomBytes(size);
      writeFileSync(join(dir, 'p'), plain);
      await encryptFileEnvelope(join(dir, 'p'), join(dir, 'sub', 'c'), mk, { context: 'photon:m' });
      const box = readFileSync(join(dir, 'sub', 'c'));
      assert.equal(box.length, ENVELOPE_HEADER_BYTES + size);
      assert.equal(statSync(join(dir, 'sub', 'c')).mode & 0o777, 0o600);
      assert.deepEqual(decryptEnvelope(box, mk, { context: 'photon:m' }), plain);
      await decryptFileEnvelope(join(dir, 'sub', 'c'), join(dir, 'out'), mk, { context: 'photon:m' });
      assert.deepEqual(readFileSync(join(dir, 'out')), plain);
    }
    writeFileSync(join(dir, 'mem'), encryptEnvelope('from memory', mk));
    await decryptFileEnvelope(join(dir, 'mem'), join(dir, 'mem.out'), mk);
    assert.equal(readFileSync(join(dir, 'mem.out'), 'utf8'), 'from memory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tampered, truncated, wrong-key or wrong-context files produce no output', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-envf-'));
  try {
    const mk = generateMasterKey();
    const plain = randomBytes(200_000);
    writeFileSync(join(dir, 'p'), plain);
    await encryptFileEnvelope(join(dir, 'p'), join(dir, 'c'), mk);
    const box = readFileSync(join(dir, 'c'));
    const flipLate = Buffer.from(box); flipLate[box.length - 5]! ^= 1;
    const flipHeader = Buffer.from(box); flipHeader[40]! ^= 1;
    const cases: Array<[string, Buffer, { key?: ReturnType<typeof generateMasterKey>; context?: string }]> = [
      ['flip near end', flipLate, {}],
      ['flip in header', flipHeader, {}],
      ['truncated body', box.subarray(0, box.length - 1000), {}],
      ['truncated header', box.subarray(0, 50), {}],
      ['wrong key', box, { key: generateMasterKey() }],
      ['wrong context', box, { context: 'other' }],
    ];
    for (const [name, bytes, opt] of cases) {
      writeFileSync(join(dir, 'bad'), bytes);
      await assert.rejects(decryptFileEnvelope(join(dir, 'bad'), join(dir, 'fresh'), opt.key ?? mk, opt.context === undefined ? {} : { context: opt.context }), refused, name);
      assert.equal(existsSync(join(dir, 'fresh')), false, name);
      writeFileSync(join(dir, 'existing'), 'keep me');
      await assert.rejects(decryptFileEnvelope(join(dir, 'bad'), join(dir, 'existing'), opt.key ?? mk, opt.context === undefined ? {} : { context: opt.context }), refused, name);
      assert.equal(readFileSync(join(dir, 'existing'), 'utf8'), 'keep me', name);
    }
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left');
    await assert.rejects(decryptFileEnvelope(join(dir, 'missing'), join(dir, 'x'), mk), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_IO');
    await assert.rejects(encryptFileEnvelope(join(dir, 'missing'), join(dir, 'y'), mk), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_IO');
    assert.equal(existsSync(join(dir, 'y')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
