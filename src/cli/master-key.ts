/**
 * The CLI end of encryption at rest: the master key ring from LEPTON_MASTER_KEY (read only here)
 * or `$LEPTON_HOME/master.key`, and the photon registry codec built from it.
 */
import { join } from 'node:path';
import { envelopeCodec, loadKeyRing, type KeyRing } from '../deploy/keyring.js';
import type { ObjectCodec } from '../photon/registry.js';

/** Load the key ring; with `create`, generate `master.key` (0600) on first start. Undefined: encryption not configured. */
export function cliKeyRing(home: string, create: boolean): KeyRing | undefined {
  return loadKeyRing({ path: join(home, 'master.key'), envValue: process.env['LEPTON_MASTER_KEY'], create });
}

/** The registry codec when a master key is configured (so encrypted photons load), else undefined. */
export function cliPhotonCodec(home: string): ObjectCodec | undefined {
  const ring = cliKeyRing(home, false);
  return ring ? envelopeCodec(ring) : undefined;
}
