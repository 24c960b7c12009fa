/**
 * What the init container of an exported replica pod does: fetch the revision's photon archive
 * from the control plane with a read-scoped token, refuse it unless its sha256 is the one the
 * export pinned, and store it in the pod's own registry (an emptyDir) for the replica to load.
 */
import { createHash } from 'node:crypto';
import { LeptonError } from '../core/errors.js';
import { PhotonRegistry } from '../photon/registry.js';

export interface FetchPhotonOptions {
  controlPlane: string;
  /** NAME@VERSION */
  ref: string;
  sha256: string;
  token: string;
  /** LEPTON_HOME of the pod. */
  home: string;
  timeoutMs?: number;
}

/** Where the control plane serves a photon's archive (src/deploy/api-photon-archive.ts). */
export function archiveUrl(controlPlane: string, ref: string): string {
  const at = ref.indexOf('@');
  if (at < 1 || at === ref.length - 1) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `photon must be NAME@VERSION, not ${ref}`);
  const base = controlPlane.replace(/\/+$/, '');
  return `${base}/api/v1/photons/${encodeURIComponent(ref.slice(0, at))}/${encodeURIComponent(ref.slice(at + 1))}/archive`;
}

export async function fetchPhoton(o: FetchPhotonOptions): Promise<{ ref: string; sha256: string; bytes: number }> {
  const url = archiveUrl(o.controlPlane, o.ref);
  const want = o.sha256.toLowerCase();
  const res = await fetch(url, { headers: { authorization: `Bearer ${o.token}` }, signal: AbortSignal.timeout(o.timeoutMs ?? 120_000) });
  if (!res.ok) throw new LeptonError('LEPTON_ERR_UPSTREAM', `GET ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  const archive = new Uint8Array(await res.arrayBuffer());
  const got = createHash('sha256').update(archive).digest('hex');
  // the pin comes from the export, not from the server: a swapped archive is refused here
  if (got !== want) throw new LeptonError('LEPTON_ERR_INTEGRITY', `photon ${o.ref}: sha256 ${got} is not the pinned ${want}; refusing it`);
  const entry = await new PhotonRegistry({ home: o.home }).add(archive);
  if (`${entry.name}@${entry.version}` !== o.ref) throw new LeptonError('LEPTON_ERR_INTEGRITY', `archive for ${o.ref} holds ${entry.name}@${entry.version}`);
  return { ref: o.ref, sha256: got, bytes: archive.length };
}
