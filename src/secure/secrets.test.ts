// Secrets vault over a real folder: encrypted 0600 files, names only in lists, tamper and swap
// refused, rotation, env resolution; redaction of values from text and objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, statSync, readdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { LeptonError } from '../core/index.js';
import { generateMasterKey, envelopeKeyId } from './envelope.js';
import { SecretVault, FileSecretStorage, MemorySecretStorage } from './secrets.js';
import { redact, redactValue, REDACTED } from './redact.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;
const VALUE = 'hf_Sup3rS3cretValue!';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lep-sec-'));
    try { await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
  };
}

test('set, list, reveal, remove on disk; files are 0600 ciphertext', withDir(async (dir) => {
  const key = generateMasterKey();
  const vault = new SecretVault(new FileSecretStorage(join(dir, 'secrets')), { key });
  assert.deepEqual(await vault.list(), []);
  await vault.set('HF_TOKEN', VALUE);
  await vault.set('DB_PASSWORD', Buffer.from('pw'));
  assert.deepEqual(await vault.list(), ['DB_PASSWORD', 'HF_TOKEN']);
  assert.equal((await vault.reveal('HF_TOKEN')).toString(), VALUE);
  const file = join(dir, 'secrets', 'HF_TOKEN.secret');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file).includes(Buffer.from(VALUE)), false);
  assert.deepEqual(readdirSync(join(dir, 'secrets')).sort(), ['DB_PASSWORD.secret', 'HF_TOKEN.secret'], 'no temp files left');
  await vault.set('HF_TOKEN', 'replaced');
  assert.equal((await vault.reveal('HF_TOKEN')).toString(), 'replaced');
  await vault.remove('HF_TOKEN');
  assert.equal(await vault.has('HF_TOKEN'), false);
  await assert.rejects(vault.reveal('HF_TOKEN'), code('LEPTON_ERR_NOT_FOUND'));
  await assert.rejects(vault.remove('HF_TOKEN'), code('LEPTON_ERR_NOT_FOUND'));
}));

test('bad names, empty and oversized values are refused without echoing the value', async () => {
  const vault = new SecretVault(new MemorySecretStorage(), { key: generateMasterKey(), maxValueBytes: 8 });
  for (const bad of ['../x', 'a/b', '1X', 'X.secret', '']) await assert.rejects(vault.set(bad, 'v'), code('LEPTON_ERR_INVALID_ARGUMENT'), bad);
  await assert.rejects(vault.set('X', ''), code('LEPTON_ERR_INVALID_ARGUMENT'));
  await assert.rejects(vault.set('X', 'toolongvalue'), (e: unknown) => code('LEPTON_ERR_PAYLOAD_TOO_LARGE')(e) && !(e as Error).message.includes('toolongvalue'));
  await assert.rejects(vault.reveal('../../etc/passwd'), code('LEPTON_ERR_INVALID_ARGUMENT'));
});

test('tampered, truncated or swapped files are refused', withDir(async (dir) => {
  const key = generateMasterKey();
  const vault = new SecretVault(new FileSecretStorage(dir), { key });
  await vault.set('A', 'value-a');
  await vault.set('B', 'value-b');
  const a = join(dir, 'A.secret');
  const orig = readFileSync(a);
  const flipped = Buffer.from(orig); flipped[flipped.length - 1]! ^= 1;
  writeFileSync(a, flipped);
  await assert.rejects(vault.reveal('A'), code('LEPTON_ERR_DECRYPT'));
  writeFileSync(a, orig.subarray(0, 50));
  await assert.rejects(vault.reveal('A'), code('LEPTON_ERR_INTEGRITY'));
  copyFileSync(join(dir, 'B.secret'), a); // B's blob under A's name: bound to its name, so refused
  await assert.rejects(vault.reveal('A'), code('LEPTON_ERR_DECRYPT'));
  const other = new SecretVault(new FileSecretStorage(dir), { key: generateMasterKey() });
  await assert.rejects(other.reveal('B'), code('LEPTON_ERR_DECRYPT'));
}));

test('rotation rewraps every secret; old and new vaults read them', withDir(async (dir) => {
  const oldKey = generateMasterKey(), newKey = generateMasterKey();
  const storage = new FileSecretStorage(dir);
  const v1 = new SecretVault(storage, { key: oldKey });
  await v1.set('A', 'a'); await v1.set('B', 'b');
  const during = new SecretVault(storage, { key: newKey, previousKeys: [oldKey] });
  assert.equal(await during.rotate(newKey), 2);
  assert.equal(await during.rotate(newKey), 0, 'idempotent');
  for (const n of ['A', 'B']) assert.equal(envelopeKeyId((await storage.read(n))!), newKey.id);
  const after = new SecretVault(storage, { key: newKey });
  assert.equal((await after.reveal('B')).toString(), 'b');
  await assert.rejects(v1.reveal('A'), code('LEPTON_ERR_DECRYPT'));
}));

test('resolveEnv gives NAME → value for a deployment; refuses non-text', async () => {
  const vault = new SecretVault(new MemorySecretStorage(), { key: generateMasterKey() });
  await vault.set('A', 'x=1'); await vault.set('BIN', Buffer.from([0xff, 0x00]));
  assert.deepEqual(await vault.resolveEnv(['A']), { A: 'x=1' });
  await assert.rejects(vault.resolveEnv(['BIN']), code('LEPTON_ERR_INVALID_ARGUMENT'));
  await assert.rejects(vault.resolveEnv(['MISSING']), code('LEPTON_ERR_NOT_FOUND'));
});

test('vault and master key never print key bytes', async () => {
  const key = generateMasterKey();
  const vault = new SecretVault(new MemorySecretStorage(), { key });
  const keyB64 = key.key.toString('base64');
  for (const shown of [inspect(vault, { depth: 5 }), JSON.stringify(vault), JSON.stringify(key), inspect(key, { depth: 5 })]) {
    assert.equal(shown.includes(keyB64), false);
    assert.equal(shown.includes(key.key.toString('hex')), false);
    assert.equal(shown.includes('<Buffer'), false, shown);
  }
});

test('redact scrubs raw, URL-encoded and base64 forms, longest first', () => {
  const s = 'p@ss word/+';
  const text = `auth=${s} q=${encodeURIComponent(s)} b=${Buffer.from(s).toString('base64')} tail`;
  const out = redact(text, [s, 'p@ss', '']);
  assert.equal(out.includes('p@ss'), false);
  assert.equal(out.includes(encodeURIComponent(s)), false);
  assert.equal(out, `auth=${REDACTED} q=${REDACTED} b=${REDACTED} tail`);
  assert.equal(redact('nothing here', []), 'nothing here');
  const obj = redactValue({ msg: `value ${VALUE}`, nested: [{ apiKey: 'k', ok: 1 }], token: 'lep_x', buf: Buffer.from('x') }, [VALUE]);
  assert.deepEqual(obj, { msg: `value ${REDACTED}`, nested: [{ apiKey: REDACTED, ok: 1 }], token: REDACTED, buf: '[1 bytes]' });
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = cyclic;
  assert.deepEqual(redactValue(cyclic, []), { a: 1, self: '[…]' });
});
