// Fernet against the published spec vectors (test/fixtures/fernet) and against Python's
// `cryptography.fernet` through scripts/fernet-interop.py, both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LeptonError } from '../core/index.js';
import {
  fernetEncrypt, fernetDecrypt, generateFernetKey, parseFernetKey, decodeBase64Url, MultiFernet,
  fernetTimestamp, FERNET_MAX_CLOCK_SKEW_SECONDS,
} from './fernet.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const FIX = resolve(ROOT, 'test', 'fixtures', 'fernet');
const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(ROOT, 'scripts', 'fernet-interop.py');

interface Vector { token: string; now: string; secret: string; src?: string; iv?: number[]; ttl_sec?: number; desc?: string }
const load = (name: string): Vector[] => JSON.parse(readFileSync(resolve(FIX, name), 'utf8')) as Vector[];
const secs = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

function assertDecryptError(fn: () => unknown, msg?: string): void {
  assert.throws(fn, (err: unknown) => err instanceof LeptonError && err.code === 'LEPTON_ERR_DECRYPT', msg);
}

test('spec generate.json: byte-exact tokens', () => {
  const vectors = load('generate.json');
  assert.ok(vectors.length > 0);
  for (const v of vectors) {
    const token = fernetEncrypt(v.secret, v.src!, { now: secs(v.now), iv: Uint8Array.from(v.iv!) });
    assert.equal(token, v.token);
  }
});

test('spec verify.json: tokens decrypt to src', () => {
  const vectors = load('verify.json');
  assert.ok(vectors.length > 0);
  for (const v of vectors) {
    const out = fernetDecrypt(v.secret, v.token, { ttl: v.ttl_sec!, now: secs(v.now) });
    assert.equal(out.toString('utf8'), v.src);
  }
});

test('spec invalid.json: every token refused with LEPTON_ERR_DECRYPT', () => {
  const vectors = load('invalid.json');
  assert.ok(vectors.length >= 8);
  for (const v of vectors) {
    assertDecryptError(() => fernetDecrypt(v.secret, v.token, { ttl: v.ttl_sec!, now: secs(v.now) }), v.desc);
  }
});

test('error messages do not say which check failed', () => {
  const key = generateFernetKey();
  const good = fernetEncrypt(key, 'x', { now: 1000 });
  const raw = decodeBase64Url(good)!;
  raw[raw.length - 1]! ^= 1;
  const messages = new Set<string>();
  for (const fn of [
    () => fernetDecrypt(key, raw.toString('base64url')),
    () => fernetDecrypt(key, '%%%'),
    () => fernetDecrypt(key, good, { ttl: 10, now: 5000 }),
    () => fernetDecrypt(generateFernetKey(), good),
  ]) {
    try { fn(); assert.fail('accepted'); } catch (err) { messages.add((err as Error).message); }
  }
  assert.equal(messages.size, 1);
});

test('round trip, ttl edges and clock skew', () => {
  const key = generateFernetKey();
  for (const msg of [Buffer.alloc(0), Buffer.from('hello'), randomBytes(15), randomBytes(16), randomBytes(4097)]) {
    assert.deepEqual(fernetDecrypt(key, fernetEncrypt(key, msg)), msg);
  }
  const t = fernetEncrypt(key, 'm', { now: 1_000_000 });
  assert.equal(fernetTimestamp(t), 1_000_000);
  assert.equal(fernetDecrypt(key, t, { ttl: 60, now: 1_000_060 }).toString(), 'm');
  assertDecryptError(() => fernetDecrypt(key, t, { ttl: 60, now: 1_000_061 }));
  assert.equal(fernetDecrypt(key, t, { ttl: 60, now: 1_000_000 - FERNET_MAX_CLOCK_SKEW_SECONDS }).toString(), 'm');
  assertDecryptError(() => fernetDecrypt(key, t, { ttl: 60, now: 1_000_000 - FERNET_MAX_CLOCK_SKEW_SECONDS - 1 }));
  // unpadded form of a valid token is accepted; a bad key is a caller error, not a decrypt error
  assert.equal(fernetDecrypt(key, t.replace(/=+$/, '')).toString(), 'm');
  assert.throws(() => parseFernetKey('short'), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT');
  assert.throws(() => fernetEncrypt(key, 'x', { iv: new Uint8Array(8) }), LeptonError);
});

test('every single-byte flip is refused', () => {
  const key = generateFernetKey();
  const raw = decodeBase64Url(fernetEncrypt(key, 'attack at dawn'))!;
  for (let i = 0; i < raw.length; i++) {
    const bad = Buffer.from(raw);
    bad[i]! ^= 0x01;
    assertDecryptError(() => fernetDecrypt(key, bad.toString('base64url')), `byte ${i}`);
  }
});

test('MultiFernet decrypts with old keys and rotates to the new one', () => {
  const oldKey = generateFernetKey(), newKey = generateFernetKey();
  const tok = fernetEncrypt(oldKey, 'secret', { now: 12345 });
  const mf = new MultiFernet([newKey, oldKey]);
  assert.equal(mf.decrypt(tok).toString(), 'secret');
  const rotated = mf.rotate(tok);
  assert.equal(fernetTimestamp(rotated), 12345);
  assert.equal(fernetDecrypt(newKey, rotated).toString(), 'secret');
  assertDecryptError(() => fernetDecrypt(oldKey, rotated));
  assertDecryptError(() => new MultiFernet([generateFernetKey()]).decrypt(tok));
});

interface InteropAnswer { available: boolean; reason?: string; version?: string; decrypted?: Array<string | null>; encrypted?: string[] }

function runPython(request: object): InteropAnswer | string {
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', timeout: 30_000 });
  if (r.error) return `cannot run ${PYTHON}: ${r.error.message}`;
  if (r.status !== 0) return `fernet-interop.py exited ${r.status}: ${r.stderr.slice(0, 500)}`;
  return JSON.parse(r.stdout) as InteropAnswer;
}

test('interop with Python cryptography.fernet (both directions)', (t) => {
  if (!existsSync(PYTHON)) {
    t.diagnostic(`Fernet interop NOT RUN: ${PYTHON} is absent (install python3-cryptography); spec vectors still ran`);
    return;
  }
  const key = generateFernetKey();
  const messages = [Buffer.alloc(0), Buffer.from('hello'), Buffer.from('héllo wörld ✓', 'utf8'), randomBytes(16), randomBytes(100_003)];
  const ours = messages.map((m) => fernetEncrypt(key, m));
  const tampered = decodeBase64Url(ours[1]!)!;
  tampered[20]! ^= 0x80;
  const answer = runPython({
    key,
    ttl: 120,
    decrypt: [...ours, tampered.toString('base64url')],
    encrypt: messages.map((m) => m.toString('base64')),
  });
  if (typeof answer === 'string') assert.fail(answer);
  if (!answer.available) {
    t.diagnostic(`Fernet interop NOT RUN: ${answer.reason ?? 'cryptography unavailable'}; spec vectors still ran`);
    return;
  }
  t.diagnostic(`Fernet interop ran against Python cryptography ${answer.version ?? '?'}`);
  // TS → Python
  for (let i = 0; i < messages.length; i++) {
    assert.equal(answer.decrypted![i], messages[i]!.toString('base64'), `python decrypts TS token ${i}`);
  }
  assert.equal(answer.decrypted![messages.length], null, 'python refuses a tampered TS token');
  // Python → TS
  assert.equal(answer.encrypted!.length, messages.length);
  for (let i = 0; i < messages.length; i++) {
    assert.deepEqual(fernetDecrypt(key, answer.encrypted![i]!, { ttl: 120 }), messages[i]);
  }
  const py = decodeBase64Url(answer.encrypted![1]!)!;
  py[py.length - 1]! ^= 1;
  assertDecryptError(() => fernetDecrypt(key, py.toString('base64url')));
});
