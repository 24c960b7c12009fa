// Envelope encryption: round trip, every byte flip and truncation refused, rotation keeps the
// ciphertext bytes, wrong keys and contexts refused; master key sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LeptonError } from '../core/index.js';
import {
  encryptEnvelope, decryptEnvelope, rewrapEnvelope, generateMasterKey, parseMasterKey, formatMasterKey,
  envelopeKeyId, isEnvelope, ENVELOPE_HEADER_BYTES,
} from './envelope.js';
import { loadOrCreateMasterKey } from './master-key.js';

const refused = (e: unknown) => e instanceof LeptonError && (e.code === 'LEPTON_ERR_DECRYPT' || e.code === 'LEPTON_ERR_INTEGRITY');

test('round trip for empty, small and large objects', () => {
  const mk = generateMasterKey();
  for (const plain of [Buffer.alloc(0), Buffer.from('hello'), randomBytes(1 << 20)]) {
    const box = encryptEnvelope(plain, mk, { context: 'photon:x' });
    assert.ok(isEnvelope(box));
    assert.equal(box.length, ENVELOPE_HEADER_BYTES + plain.length);
    assert.equal(envelopeKeyId(box), mk.id);
    assert.deepEqual(decryptEnvelope(box, mk, { context: 'photon:x' }), plain);
    if (plain.length > 16) assert.equal(box.includes(plain.subarray(0, 16)), false, 'plaintext visible');
  }
  // same plaintext twice → different containers (fresh data key and nonces)
  assert.notDeepEqual(encryptEnvelope('a', mk), encryptEnvelope('a', mk));
});

test('every single-bit flip anywhere in the container is refused', () => {
  const mk = generateMasterKey();
  const box = encryptEnvelope(randomBytes(40), mk, { context: 'c' });
  for (let i = 0; i < box.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const bad = Buffer.from(box);
      bad[i]! ^= bit;
      assert.throws(() => decryptEnvelope(bad, mk, { context: 'c' }), refused, `byte ${i} bit ${bit}`);
    }
  }
});

test('every truncation and extension is refused', () => {
  const mk = generateMasterKey();
  const box = encryptEnvelope(randomBytes(64), mk);
  for (let n = 0; n < box.length; n++) assert.throws(() => decryptEnvelope(box.subarray(0, n), mk), refused, `length ${n}`);
  assert.throws(() => decryptEnvelope(Buffer.concat([box, Buffer.from([0])]), mk), refused);
});

test('wrong master key, wrong context and foreign bytes are refused', () => {
  const mk = generateMasterKey();
  const box = encryptEnvelope('secret', mk, { context: 'secret:A' });
  assert.throws(() => decryptEnvelope(box, generateMasterKey(), { context: 'secret:A' }), (e: unknown) => refused(e) && /needs master key/.test((e as Error).message));
  assert.throws(() => decryptEnvelope(box, mk, { context: 'secret:B' }), refused);
  assert.throws(() => decryptEnvelope(box, mk), refused);
  // a key with the right id but wrong bytes cannot happen by accident; forge one to prove auth still holds
  const forged = { id: mk.id, key: randomBytes(32) };
  assert.throws(() => decryptEnvelope(box, forged, { context: 'secret:A' }), refused);
  assert.throws(() => decryptEnvelope(Buffer.from('PK\x03\x04 not ours at all, but long enough'.repeat(4)), mk), refused);
});

test('rotation rewraps the data key and leaves the ciphertext bytes untouched', () => {
  const oldKey = generateMasterKey(), newKey = generateMasterKey();
  const plain = randomBytes(5000);
  const box = encryptEnvelope(plain, oldKey, { context: 'p' });
  const rotated = rewrapEnvelope(box, oldKey, newKey);
  assert.equal(envelopeKeyId(rotated), newKey.id);
  assert.equal(rotated.length, box.length);
  // data nonce, data tag and ciphertext (offset 74 onwards) are byte-identical
  assert.deepEqual(rotated.subarray(74), box.subarray(74));
  assert.notDeepEqual(rotated.subarray(0, 74), box.subarray(0, 74));
  assert.deepEqual(decryptEnvelope(rotated, newKey, { context: 'p' }), plain);
  assert.throws(() => decryptEnvelope(rotated, oldKey, { context: 'p' }), refused);
  // a keyring holding both keys reads old and new objects during a rotation
  assert.deepEqual(decryptEnvelope(box, [newKey, oldKey], { context: 'p' }), plain);
  // rotating again with the new key is a verified no-op; the wrong old key is refused
  assert.deepEqual(rewrapEnvelope(rotated, oldKey, newKey), rotated);
  assert.throws(() => rewrapEnvelope(box, generateMasterKey(), newKey), refused);
  const tampered = Buffer.from(box);
  tampered[30]! ^= 1;
  assert.throws(() => rewrapEnvelope(tampered, oldKey, newKey), refused);
});

test('master key parsing never echoes the value', () => {
  const mk = generateMasterKey();
  const text = formatMasterKey(mk);
  assert.equal(parseMasterKey(text).id, mk.id);
  assert.equal(parseMasterKey(mk.key.toString('base64url')).id, mk.id);
  for (const bad of ['', 'abc', randomBytes(31).toString('base64'), randomBytes(33).toString('base64'), 'not base64 !!']) {
    assert.throws(() => parseMasterKey(bad), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT' && (bad === '' || !e.message.includes(bad)));
  }
});

test('master key file: generated once with mode 0600, then reused; env value wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-mk-'));
  try {
    const path = join(dir, 'home', 'master.key');
    const first = loadOrCreateMasterKey({ path });
    assert.equal(first.source, 'generated');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const second = loadOrCreateMasterKey({ path });
    assert.equal(second.source, 'file');
    assert.equal(second.key.id, first.key.id);
    assert.equal(second.loosePermissions, false);
    const env = generateMasterKey();
    const fromEnv = loadOrCreateMasterKey({ path, envValue: formatMasterKey(env) });
    assert.deepEqual([fromEnv.source, fromEnv.key.id], ['env', env.id]);
    assert.equal(readFileSync(path, 'utf8').trim(), formatMasterKey(first.key), 'file untouched');
    assert.throws(() => loadOrCreateMasterKey({ path, envValue: 'short' }), LeptonError);
    assert.throws(() => loadOrCreateMasterKey({ path: join(dir, 'none.key'), create: false }), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_NOT_FOUND');
    const corrupt = join(dir, 'corrupt.key');
    writeFileSync(corrupt, 'garbage', { mode: 0o644 });
    assert.throws(() => loadOrCreateMasterKey({ path: corrupt }), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT');
    const loose = join(dir, 'loose.key');
    writeFileSync(loose, formatMasterKey(env), { mode: 0o644 });
    assert.equal(loadOrCreateMasterKey({ path: loose }).loosePermissions, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
