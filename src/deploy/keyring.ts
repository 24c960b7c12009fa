/**
 * Master key rotation on disk: the old key is kept as `master.key.prev` (so other processes can
 * still read objects not yet rewrapped) until every object is rewrapped. Loading the ring and the
 * photon codec are in secure/key-ring.ts (a replica process needs them too), re-exported here.
 */
import { rmSync } from 'node:fs';
import { LeptonError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { formatMasterKey, type MasterKey } from '../secure/envelope.js';
import { previousKeyPath, type KeyRing } from '../secure/key-ring.js';

export { envelopeCodec, loadKeyRing, previousKeyPath, type KeyRing } from '../secure/key-ring.js';

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
