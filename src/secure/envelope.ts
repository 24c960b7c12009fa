/**
 * Encryption at rest: a random data key per object encrypts it with AES-256-GCM, and the master key
 * wraps that data key (also AES-256-GCM), so rotating the master key rewraps 48 bytes per object.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { LeptonError, invalidArgument } from '../core/index.js';

/** A 32-byte master key and its public 8-byte id (a fingerprint; safe to store and show). */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface EnvelopeOptions {
  /**
   * Context the object is bound to (e.g. `secret:HF_TOKEN` or a photon digest). Not stored: the
   * same value must be given to decrypt, so a file copied over another object's is refused.
   */
  context?: string;
}

/** Container layout (all fixed offsets, big-endian where it matters). */
const MAGIC = Buffer.from('LEPX', 'latin1');
const VERSION = 1;
const ALG_GCM_GCM = 1; // data AES-256-GCM, key wrap AES-256-GCM
const KEY_ID_LEN = 8;
const NONCE = 12;
const TAG = 16;
const DATA_KEY = 32;
const OFF_KEY_ID = 6;
const OFF_WRAP_NONCE = OFF_KEY_ID + KEY_ID_LEN; // 14
const OFF_WRAPPED = OFF_WRAP_NONCE + NONCE; // 26: data key ciphertext (32) + wrap tag (16)
const OFF_DATA_NONCE = OFF_WRAPPED + DATA_KEY + TAG; // 74
const OFF_DATA_TAG = OFF_DATA_NONCE + NONCE; // 86
/** Bytes before the ciphertext. */
export const ENVELOPE_HEADER_BYTES = OFF_DATA_TAG + TAG; // 102

/** Derive a master key's id: a truncated domain-separated hash, which reveals nothing useful. */
export function masterKeyFromBytes(bytes: Uint8Array): MasterKey {
  if (bytes.length !== 32) throw invalidArgument(`a master key must be exactly 32 bytes, got ${bytes.length}`);
  const key = Buffer.from(bytes);
  const id = createHash('sha256').update('lepton-master-key-id\0').update(key).digest().subarray(0, KEY_ID_LEN).toString('hex');
  // the key bytes are non-enumerable, so JSON, pino and util.inspect show only the id
  const mk = { id } as { id: string; key: Buffer };
  Object.defineProperty(mk, 'key', { value: key, enumerable: false });
  return Object.freeze(mk);
}

/** Parse a master key from base64 (standard or url-safe, padding optional). Never echoes the value. */
export function parseMasterKey(text: string): MasterKey {
  const t = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) throw invalidArgument('master key is not valid base64 (expected 32 bytes, e.g. from `openssl rand -base64 32`)');
  const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== 32) throw invalidArgument(`master key must decode to 32 bytes, got ${bytes.length}`);
  return masterKeyFromBytes(bytes);
}

/** A fresh random master key. */
export function generateMasterKey(): MasterKey {
  return masterKeyFromBytes(randomBytes(32));
}

/** The base64 text form a master key is stored in. */
export function formatMasterKey(key: MasterKey): string {
  return key.key.toString('base64');
}

function integrity(message: string): LeptonError {
  return new LeptonError('LEPTON_ERR_INTEGRITY', `encrypted object is damaged: ${message}`);
}

/** The one error for failed authentication of an envelope. */
export function authFailed(): LeptonError {
  return new LeptonError('LEPTON_ERR_DECRYPT', 'encrypted object failed authentication (tampered, truncated, or wrong context)');
}

function dataAad(header: Buffer, context: string | undefined): Buffer {
  // magic|version|alg|data nonce — the parts rotation never changes — plus the caller's context
  return Buffer.concat([header.subarray(0, OFF_KEY_ID), header.subarray(OFF_DATA_NONCE, OFF_DATA_TAG), Buffer.from(context ?? '', 'utf8')]);
}

function wrapAad(header: Buffer): Buffer {
  // binds the wrapped key to this container's key id, nonce and data tag (hence to its ciphertext)
  return Buffer.concat([header.subarray(0, OFF_WRAP_NONCE), header.subarray(OFF_DATA_NONCE, ENVELOPE_HEADER_BYTES)]);
}

function wrapInto(header: Buffer, master: MasterKey, dataKey: Buffer): void {
  Buffer.from(master.id, 'hex').copy(header, OFF_KEY_ID);
  const nonce = randomBytes(NONCE);
  nonce.copy(header, OFF_WRAP_NONCE);
  const c = createCipheriv('aes-256-gcm', master.key, nonce);
  c.setAAD(wrapAad(header));
  const wrapped = Buffer.concat([c.update(dataKey), c.final()]);
  wrapped.copy(header, OFF_WRAPPED);
  c.getAuthTag().copy(header, OFF_WRAPPED + DATA_KEY);
}

interface Parsed { header: Buffer; ciphertext: Buffer; keyId: string }

function parse(container: Uint8Array): Parsed {
  const buf = Buffer.isBuffer(container) ? container : Buffer.from(container.buffer, container.byteOffset, container.byteLength);
  if (buf.length < ENVELOPE_HEADER_BYTES) throw integrity(`shorter than its ${ENVELOPE_HEADER_BYTES}-byte header (truncated?)`);
  if (!buf.subarray(0, 4).equals(MAGIC)) throw integrity('not a Lepton encrypted object (bad magic)');
  if (buf[4] !== VERSION || buf[5] !== ALG_GCM_GCM) throw integrity(`unsupported container version ${buf[4]}/${buf[5]}`);
  const header = Buffer.from(buf.subarray(0, ENVELOPE_HEADER_BYTES));
  return { header, ciphertext: buf.subarray(ENVELOPE_HEADER_BYTES), keyId: header.subarray(OFF_KEY_ID, OFF_WRAP_NONCE).toString('hex') };
}

function pickKey(keyId: string, keys: MasterKey | readonly MasterKey[]): MasterKey {
  const list = Array.isArray(keys) ? keys : [keys as MasterKey];
  const found = list.find((k) => k.id === keyId);
  if (found === undefined) {
    throw new LeptonError('LEPTON_ERR_DECRYPT', `encrypted object needs master key ${keyId}, which is not the configured key (${list.map((k) => k.id).join(', ')})`, { details: { keyId } });
  }
  return found;
}

function unwrap(p: Parsed, master: MasterKey): Buffer {
  try {
    const d = createDecipheriv('aes-256-gcm', master.key, p.header.subarray(OFF_WRAP_NONCE, OFF_WRAPPED));
    d.setAAD(wrapAad(p.header));
    d.setAuthTag(p.header.subarray(OFF_WRAPPED + DATA_KEY, OFF_DATA_NONCE));
    return Buffer.concat([d.update(p.header.subarray(OFF_WRAPPED, OFF_WRAPPED + DATA_KEY)), d.final()]);
  } catch {
    throw authFailed();
  }
}

/**
 * Start an envelope encryption (the streaming building block): feed the plaintext through
 * `cipher`, then call `finish()` after `cipher.final()` to get the header that precedes the ciphertext.
 */
export function beginEnvelopeEncrypt(master: MasterKey, options: EnvelopeOptions = {}): { cipher: CipherGCM; finish: () => Buffer } {
  const dataKey = randomBytes(DATA_KEY);
  const header = Buffer.alloc(ENVELOPE_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[4] = VERSION;
  header[5] = ALG_GCM_GCM;
  randomBytes(NONCE).copy(header, OFF_DATA_NONCE);
  const cipher = createCipheriv('aes-256-gcm', dataKey, header.subarray(OFF_DATA_NONCE, OFF_DATA_TAG));
  cipher.setAAD(dataAad(header, options.context));
  const finish = (): Buffer => {
    cipher.getAuthTag().copy(header, OFF_DATA_TAG);
    wrapInto(header, master, dataKey);
    dataKey.fill(0);
    return header;
  };
  return { cipher, finish };
}

/** Encrypt `plaintext` under a fresh data key wrapped by `master`. Returns the container bytes. */
export function encryptEnvelope(plaintext: Uint8Array | string, master: MasterKey, options: EnvelopeOptions = {}): Buffer {
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const { cipher, finish } = beginEnvelopeEncrypt(master, options);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  return Buffer.concat([finish(), ciphertext]);
}

/**
 * Start an envelope decryption from its header (the streaming building block): the returned
 * decipher has its key, AAD and tag set. Its output is unauthenticated until `final()` succeeds,
 * so callers must hold it back (e.g. in a temp file) until then.
 */
export function beginEnvelopeDecrypt(header: Uint8Array, keys: MasterKey | readonly MasterKey[], options: EnvelopeOptions = {}): DecipherGCM {
  const p = parse(header);
  const dataKey = unwrap(p, pickKey(p.keyId, keys));
  try {
    const d = createDecipheriv('aes-256-gcm', dataKey, p.header.subarray(OFF_DATA_NONCE, OFF_DATA_TAG));
    d.setAAD(dataAad(p.header, options.context));
    d.setAuthTag(p.header.subarray(OFF_DATA_TAG, ENVELOPE_HEADER_BYTES));
    return d;
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Decrypt a container. `keys` may list several master keys (e.g. during rotation); the one whose
 * id the container names is used. Authenticates everything before returning any byte:
 * LEPTON_ERR_INTEGRITY for a malformed container, LEPTON_ERR_DECRYPT for failed authentication.
 */
export function decryptEnvelope(container: Uint8Array, keys: MasterKey | readonly MasterKey[], options: EnvelopeOptions = {}): Buffer {
  const d = beginEnvelopeDecrypt(container, keys, options);
  const ciphertext = container.subarray(ENVELOPE_HEADER_BYTES);
  try {
    const out = d.update(ciphertext);
    return Buffer.concat([out, d.final()]);
  } catch {
    throw authFailed();
  }
}

/**
 * Key rotation for one object: unwrap the data key with the old master key and wrap it under
 * `newKey`. The ciphertext bytes (and data nonce and tag) are kept exactly as they were.
 */
export function rewrapEnvelope(container: Uint8Array, oldKeys: MasterKey | readonly MasterKey[], newKey: MasterKey): Buffer {
  const p = parse(container);
  if (p.keyId === newKey.id) {
    unwrap(p, newKey); // already rotated; still verify before saying so
    return Buffer.concat([p.header, p.ciphertext]);
  }
  const dataKey = unwrap(p, pickKey(p.keyId, oldKeys));
  const header = Buffer.from(p.header);
  wrapInto(header, newKey, dataKey);
  dataKey.fill(0);
  return Buffer.concat([header, p.ciphertext]);
}

/** True when the bytes start like an envelope (for migrating stores that held plaintext). */
export function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= ENVELOPE_HEADER_BYTES && Buffer.from(bytes.subarray(0, 4)).equals(MAGIC);
}

/** The id of the master key a container was wrapped with (no key needed). */
export function envelopeKeyId(container: Uint8Array): string {
  return parse(container).keyId;
}
