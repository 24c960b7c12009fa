/**
 * The master keys a process reads with: the current key plus, during a rotation, the previous one
 * (`master.key.prev`, so objects not yet rewrapped stay readable), and the envelope codec photon
 * archives are stored with. Here, below serve and deploy, because both the platform and a replica
 * process (serve/replica-main.ts, which loads encrypted photons) need it; rotation is in deploy/keyring.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { LeptonError } from '../core/errors.js';
import { decryptEnvelope, encryptEnvelope, isEnvelope, parseMasterKey, type MasterKey } from './envelope.js';
import { loadOrCreateMasterKey } from './master-key.js';

export interface KeyRing {
  current: MasterKey;
  /** Older keys still accepted for reading (only while a rotation is in progress). */
  previous: MasterKey[];
  /** `env`: from LEPTON_MASTER_KEY (cannot be rotated here); otherwise the key file at `path`. */
  source: 'env' | 'file' | 'generated';
  path: string;
  /** The key file is readable by group/others: the caller should warn. */
  loosePermissions: boolean;
}

/** Path of the previous key kept while a rotation runs. */
export const previousKeyPath = (path: string): string => `${path}.prev`;

/**
 * Load the master key (env value first, else the 0600 key file, created when `create`), plus the
 * previous key a rotation left behind. The caller (an edge: the CLI, a replica's main) reads the env and passes it in.
 */
export function loadKeyRing(options: { path: string; envValue?: string | undefined; create: boolean }): KeyRing | undefined {
  const hasEnv = options.envValue !== undefined && options.envValue.trim() !== '';
  if (!hasEnv && !options.create && !existsSync(options.path)) return undefined;
  const loaded = loadOrCreateMasterKey({ path: options.path, envValue: options.envValue, create: options.create });
  const previous: MasterKey[] = [];
  const prev = previousKeyPath(options.path);
  if (loaded.source !== 'env' && existsSync(prev)) {
    try {
      previous.push(parseMasterKey(readFileSync(prev, 'utf8')));
    } catch (err) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `previous master key ${prev} is invalid: ${(err as Error).message}`, { cause: err });
    }
  }
  return { current: loaded.key, previous, source: loaded.source, path: options.path, loosePermissions: loaded.loosePermissions };
}

/** The shape of photon/registry.ts's ObjectCodec (secure sits below photon, so it is restated, not imported). */
export interface EnvelopeCodec {
  encode(plain: Uint8Array, sha256: string): Uint8Array;
  decode(stored: Uint8Array, sha256: string): Uint8Array;
  isEncoded(stored: Uint8Array): boolean;
}

/** Registry codec: each archive under its own data key wrapped by the ring's current key, bound to its sha256. */
export function envelopeCodec(ring: KeyRing): EnvelopeCodec {
  const context = (sha: string): string => `photon:${sha}`;
  return {
    encode: (plain, sha) => encryptEnvelope(plain, ring.current, { context: context(sha) }),
    decode: (stored, sha) => decryptEnvelope(stored, [ring.current, ...ring.previous], { context: context(sha) }),
    isEncoded: (stored) => isEnvelope(stored),
  };
}
