/**
 * Fernet (spec version 0x80) on node's crypto, for interop with Python services using
 * `cryptography.fernet`. Hand-written because the format is small and no dependency is wanted here.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LeptonError, invalidArgument } from '../core/index.js';

const VERSION = 0x80;
const HEADER = 1 + 8 + 16; // version | timestamp | iv
const MAC = 32;
const BLOCK = 16;
/** Tokens stamped further than this in the future are refused (same rule as `cryptography`). */
export const FERNET_MAX_CLOCK_SKEW_SECONDS = 60;

/** A parsed Fernet key: 16-byte signing key then 16-byte encryption key. */
export interface FernetKey {
  signing: Buffer;
  encryption: Buffer;
}

export interface FernetEncryptOptions {
  /** Creation time in seconds since the epoch (default: the current time). For test vectors. */
  now?: number;
  /** 16-byte IV (default: random). Only tests should pass one: an IV must never repeat. */
  iv?: Uint8Array;
}

export interface FernetDecryptOptions {
  /** Maximum token age in seconds; when given, too-old and far-future tokens are refused. */
  ttl?: number;
  /** Verification time in seconds since the epoch (default: the current time). */
  now?: number;
}

const B64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Strict base64url decode: url-safe alphabet only, optional correct padding, canonical trailing
 * bits. Returns undefined on anything else (Python's decoder is laxer; stricter is safe here).
 */
export function decodeBase64Url(text: string): Buffer | undefined {
  if (!B64URL.test(text)) return undefined;
  const body = text.replace(/=+$/, '');
  const pad = text.length - body.length;
  if (pad > 0 && text.length % 4 !== 0) return undefined;
  if (body.length % 4 === 1) return undefined;
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.toString('base64url') !== body) return undefined;
  return bytes;
}

/** Parse a Fernet key (url-safe base64 of 32 bytes). Throws LEPTON_ERR_INVALID_ARGUMENT. */
export function parseFernetKey(key: string | Uint8Array): FernetKey {
  const raw = typeof key === 'string' ? decodeBase64Url(key.trim()) : Buffer.from(key);
  if (raw === undefined || raw.length !== 32) {
    throw invalidArgument('a Fernet key must be 32 bytes in url-safe base64 (44 characters)');
  }
  return { signing: raw.subarray(0, 16), encryption: raw.subarray(16, 32) };
}

/** A fresh random Fernet key in the usual text form. */
export function generateFernetKey(): string {
  return toPaddedBase64Url(randomBytes(32));
}

/** Padded url-safe base64, as Python's `urlsafe_b64encode` writes it. */
export function toPaddedBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function decryptError(reason: 'malformed' | 'expired' | 'invalid'): LeptonError {
  // One message for all: the reason is coarse on purpose (format, age, or authentication/padding).
  return new LeptonError('LEPTON_ERR_DECRYPT', 'invalid or expired Fernet token', { details: { reason } });
}

/** Encrypt `data` into a Fernet token. */
export function fernetEncrypt(key: string | FernetKey, data: Uint8Array | string, options: FernetEncryptOptions = {}): string {
  const k = typeof key === 'string' ? parseFernetKey(key) : key;
  const now = options.now ?? nowSeconds();
  if (!Number.isSafeInteger(now) || now < 0) throw invalidArgument('Fernet timestamp must be a non-negative integer');
  const iv = options.iv === undefined ? randomBytes(16) : Buffer.from(options.iv);
  if (iv.length !== 16) throw invalidArgument('Fernet IV must be 16 bytes');
  const plain = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const cipher = createCipheriv('aes-128-cbc', k.encryption, iv); // PKCS7 padding is node's default
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  const header = Buffer.alloc(HEADER);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(now), 1);
  iv.copy(header, 9);
  const body = Buffer.concat([header, ciphertext]);
  const mac = createHmac('sha256', k.signing).update(body).digest();
  return toPaddedBase64Url(Buffer.concat([body, mac]));
}

/** Read a token's timestamp without verifying it (seconds since the epoch). */
export function fernetTimestamp(token: string): number {
  const raw = decodeBase64Url(token);
  if (raw === undefined || raw.length < HEADER + MAC + BLOCK || raw[0] !== VERSION) throw decryptError('malformed');
  return Number(raw.readBigUInt64BE(1));
}

/**
 * Verify and decrypt a Fernet token. Any failure is LEPTON_ERR_DECRYPT with a coarse reason;
 * the HMAC is compared in constant time before any decryption, so no padding oracle exists.
 */
export function fernetDecrypt(key: string | FernetKey, token: string | Uint8Array, options: FernetDecryptOptions = {}): Buffer {
  const k = typeof key === 'string' ? parseFernetKey(key) : key;
  const text = typeof token === 'string' ? token : Buffer.from(token).toString('latin1');
  const raw = decodeBase64Url(text);
  if (raw === undefined || raw.length < HEADER + MAC + BLOCK || raw[0] !== VERSION) throw decryptError('malformed');
  if ((raw.length - HEADER - MAC) % BLOCK !== 0) throw decryptError('malformed');
  const ts = Number(raw.readBigUInt64BE(1));
  if (options.ttl !== undefined) {
    if (!Number.isFinite(options.ttl) || options.ttl < 0) throw invalidArgument('Fernet ttl must be a non-negative number of seconds');
    const now = options.now ?? nowSeconds();
    if (ts + options.ttl < now) throw decryptError('expired');
    if (now + FERNET_MAX_CLOCK_SKEW_SECONDS < ts) throw decryptError('expired');
  }
  const body = raw.subarray(0, raw.length - MAC);
  const expected = createHmac('sha256', k.signing).update(body).digest();
  if (!timingSafeEqual(expected, raw.subarray(raw.length - MAC))) throw decryptError('invalid');
  try {
    const decipher = createDecipheriv('aes-128-cbc', k.encryption, raw.subarray(9, HEADER));
    return Buffer.concat([decipher.update(raw.subarray(HEADER, raw.length - MAC)), decipher.final()]);
  } catch {
    throw decryptError('invalid');
  }
}

/**
 * Several keys, newest first: encrypts with the first and decrypts with any, so keys can be
 * rotated the way `cryptography.fernet.MultiFernet` does it.
 */
export class MultiFernet {
  private readonly keys: FernetKey[];

  constructor(keys: Array<string | FernetKey>) {
    if (keys.length === 0) throw invalidArgument('MultiFernet needs at least one key');
    this.keys = keys.map((k) => (typeof k === 'string' ? parseFernetKey(k) : k));
  }

  encrypt(data: Uint8Array | string, options?: FernetEncryptOptions): string {
    return fernetEncrypt(this.keys[0]!, data, options);
  }

  decrypt(token: string, options?: FernetDecryptOptions): Buffer {
    let last: unknown;
    for (const k of this.keys) {
      try {
        return fernetDecrypt(k, token, options);
      } catch (err) {
        last = err;
        if (err instanceof LeptonError && err.details?.['reason'] !== 'invalid') throw err;
      }
    }
    throw last as LeptonError;
  }

  /** Re-encrypt a token under the newest key, keeping its original timestamp. */
  rotate(token: string): string {
    const ts = fernetTimestamp(token);
    return this.encrypt(this.decrypt(token), { now: ts });
  }
}
