/**
 * Compose a server from a registry reference or a bare ONNX file: what `lep photon run` and the
 * main job call. A bare model becomes an in-memory photon (name from the file, version 0).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { createPhoton } from '../photon/create.js';
import { PhotonRegistry, type ObjectCodec } from '../photon/registry.js';
import { type ImagePreprocess } from '../photon/manifest.js';
import { startServer, type ServeOptions, type ServerHandle } from './server.js';

export interface ServePhotonOptions extends Omit<ServeOptions, 'manifest' | 'model' | 'handlerSource'> {
  /** `name` or `name@version` in the registry at `home`. */
  ref?: string;
  /** Lepton home (registry root); required with `ref`. */
  home?: string;
  /** A bare .onnx file to serve instead of a photon. */
  modelFile?: string;
  labels?: string[];
  image?: ImagePreprocess;
  /** Registry codec when archives are encrypted at rest (wired by the CLI from the master key). */
  codec?: ObjectCodec;
}

export async function servePhoton(options: ServePhotonOptions): Promise<ServerHandle> {
  const { ref, home, modelFile, labels, image, codec, ...serve } = options;
  if ((ref === undefined) === (modelFile === undefined)) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'give exactly one of a photon name (--name) or a model file (--model)');
  }
  if (ref !== undefined) {
    if (home === undefined) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'servePhoton: home is required with ref');
    const registry = new PhotonRegistry({ home, ...(serve.logger ? { logger: serve.logger } : {}), ...(codec ? { codec } : {}) });
    const photon = await registry.load(ref);
    const handlerSource = photon.manifest.handler ? photon.files.get(photon.manifest.handler) : undefined;
    return startServer({ ...serve, manifest: photon.manifest, model: photon.files.get(photon.manifest.model)!, ...(handlerSource ? { handlerSource } : {}) });
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(modelFile!);
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_NOT_FOUND', `cannot read model file ${modelFile}: ${(err as NodeJS.ErrnoException).code ?? ''}`, { cause: err });
  }
  const name = basename(modelFile!).replace(/\.onnx$/i, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 63).replace(/-+$/, '') || 'model';
  const { manifest } = await createPhoton({ name, version: '0', model: bytes, ...(labels ? { labels } : {}), ...(image ? { image } : {}) });
  return startServer({ ...serve, manifest, model: bytes });
}
