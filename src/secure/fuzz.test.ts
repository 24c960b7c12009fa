// Property tests over hostile input: every parser in src/secure answers garbage with a typed
// LeptonError (never a crash, never a TypeError), and mutated ciphertexts are always refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LeptonError } from '../core/index.js';
import { fernetDecrypt, fernetEncrypt, generateFernetKey, decodeBase64Url, parseFernetKey } from './fernet.js';
import { encryptEnvelope, decryptEnvelope, generateMasterKey, parseMasterKey, rewrapEnvelope } from './envelope.js';
import { verifyBearer, parseDuration } from './tokens.js';
import { MemoryTokenStore } from './token-store.js';
import { parseScope } from './scopes.js';
import { validateArchivePath, validateName } from './names.js';

const RUNS = { numRuns: 1500, seed: 42 };

function typedOrOk(fn: () => unknown, codes: readonly string[]): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    return err instanceof LeptonError && codes.includes(err.code);
  }
}

test('Fernet: arbitrary strings and mutated tokens are refused with LEPTON_ERR_DECRYPT', () => {
  const key = generateFernetKey();
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
    try { fernetDecrypt(key, s); return false; } catch (e) { return e instanceof LeptonError && e.code === 'LEPTON_ERR_DECRYPT'; }
  }), RUNS);
  const raw = decodeBase64Url(fernetEncrypt(key, 'payload'))!;
  fc.assert(fc.property(fc.nat(raw.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
    const bad = Buffer.from(raw);
    bad[i]! ^= x;
    try { fernetDecrypt(key, bad.toString('base64url')); return false; } catch (e) { return e instanceof LeptonError && e.code === 'LEPTON_ERR_DECRYPT'; }
  }), RUNS);
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => typedOrOk(() => parseFernetKey(s), ['LEPTON_ERR_INVALID_ARGUMENT'])), RUNS);
});

test('Envelope: random bytes and mutated containers are refused, never partially decrypted', () => {
  const mk = generateMasterKey(), other = generateMasterKey();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
    try { decryptEnvelope(b, mk); return false; } catch (e) { return e instanceof LeptonError && (e.code === 'LEPTON_ERR_DECRYPT' || e.code === 'LEPTON_ERR_INTEGRITY'); }
  }), RUNS);
  const box = encryptEnvelope('0123456789abcdef0123456789', mk, { context: 'c' });
  fc.assert(fc.property(fc.nat(box.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(box.length - 1), (i, x, cut) => {
    const bad = Buffer.from(box);
    bad[i]! ^= x;
    const refused = (fn: () => unknown) => !typedOrOk(fn, []) && typedOrOk(fn, ['LEPTON_ERR_DECRYPT', 'LEPTON_ERR_INTEGRITY']);
    return refused(() => decryptEnvelope(bad, mk, { context: 'c' }))
      && refused(() => decryptEnvelope(box.subarray(0, cut), mk, { context: 'c' }))
      && typedOrOk(() => rewrapEnvelope(bad, mk, other), ['LEPTON_ERR_DECRYPT', 'LEPTON_ERR_INTEGRITY']);
  }), RUNS);
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => typedOrOk(() => parseMasterKey(s), ['LEPTON_ERR_INVALID_ARGUMENT'])), RUNS);
});

test('Bearer headers: arbitrary input is a 401, never a crash', async () => {
  const store = new MemoryTokenStore();
  await fc.assert(fc.asyncProperty(
    fc.oneof(fc.string({ maxLength: 200 }), fc.string({ maxLength: 100 }).map((s) => `Bearer ${s}`), fc.stringMatching(/^Bearer lep_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/)),
    async (h) => {
      try { await verifyBearer(h, store, 0); return false; } catch (e) { return e instanceof LeptonError && e.code === 'LEPTON_ERR_UNAUTHENTICATED'; }
    },
  ), { numRuns: 500, seed: 42 });
});

test('names, scopes, durations, archive paths: typed errors or safe values', () => {
  fc.assert(fc.property(fc.string({ maxLength: 120 }), (s) => {
    let ok = true;
    try {
      const p = validateArchivePath(s);
      ok = !p.split('/').includes('..') && !p.startsWith('/') && !p.includes('\\') && !p.includes('\0') && !p.includes('//');
    } catch (e) {
      ok = e instanceof LeptonError && e.code === 'LEPTON_ERR_CORRUPT_FILE';
    }
    return ok
      && typedOrOk(() => parseScope(s), ['LEPTON_ERR_INVALID_ARGUMENT'])
      && typedOrOk(() => parseDuration(s), ['LEPTON_ERR_INVALID_ARGUMENT'])
      && typedOrOk(() => { const n = validateName('deployment', s); assert.ok(!n.includes('/') && !n.includes('.')); }, ['LEPTON_ERR_INVALID_ARGUMENT']);
  }), RUNS);
  // path-traversal shaped inputs specifically
  const seg = fc.constantFrom('..', '.', 'a', '', '\\', '/', 'C:', '%2e%2e', '\0');
  fc.assert(fc.property(fc.array(seg, { maxLength: 8 }), (parts) => {
    const s = parts.join('/');
    try { const p = validateArchivePath(s); return !p.split('/').includes('..') && !p.startsWith('/'); } catch (e) { return e instanceof LeptonError; }
  }), RUNS);
});
