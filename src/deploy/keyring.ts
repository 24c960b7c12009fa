/**
 * The platform's master keys at run time: the current key plus, during a rotation, the previous one
 * (`master.key.prev`, so other processes can still read objects not yet rewrapped), and the envelope
 * codec the photon registry stores archives with.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { LeptonError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import type { ObjectCodec } from '../photon/registry.js';
import { decryptEnvelope, encryptEnvelope, formatMasterKey, isEnvelope, parseMasterKey, type MasterKey } from '../secure/envelope.js';
import { loadOrCreateMasterKey } from '../secure/master-key.js';

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
 * previous key a rotation left behind. The caller (the CLI) reads the env and passes it in.
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

/** Registry codec: each archive under its own data key wrapped by the ring's current key, bound to its sha256. */
export function envelopeCodec(ring: KeyRing): ObjectCodec {
  const context = (sha: string): string => `photon:${sha}`;
  return {
    encode: (plain, sha) => encryptEnvelope(plain, ring.current, { context: context(sha) }),
    decode: (stored, sha) => decryptEnvelope(stored, [ring.current, ...ring.previous], { context: context(sha) }),
    isEncoded: (stored) => isEnvelope(stored),
  };
}

/** Start a rotation on disk: keep the old key as `.prev`, then make `next` the current key file. */
export function beginRotation(ring: KeyRing, next: MasterKey): void {
  if (ring.source === 'env') {
    throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'the master key comes from LEPTON_MASTER_KEY, so it cannot be rotated in place; unset it to use $LEPTON_HOME/master.key, or re-encrypt with a new value');
  }
  writeFileAtomic(previousKeyPath(ring.path), `${formatMasterKey(ring.current)}\n`, 0o600);
  writeFileAtomic(ring.path, `${formatMasterKey(next)}\n`, 0o600);
  ring.previous = [ring.current, ...ring.previous];
  ring.current = next;
}

/** Every object is rewrapped: forget the old key. */
export function finishRotation(ring: KeyRing): void {
  rmSync(previousKeyPath(ring.path), { force: true });
  ring.previous = [];
}
