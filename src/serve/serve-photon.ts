/**
 * Compose a server from a registry reference or a bare ONNX file: what `lep photon run` and the
 * main job call. A bare model becomes an in-memory photon (name from the file, version 0).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { isModelName } from '../core/names.js';
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

/**
 * The served name of a bare model file: what the file is called, less `.onnx`, within the model
 * name rule (Triton's `[A-Za-z0-9_.-]`), so `torch_cnn.onnx` answers `/v2/models/torch_cnn/infer`
 * as it would on Triton. Other characters become `_`; a name must start with a letter or digit.
 */
export function modelNameFromFile(file: string): string {
  const stem = basename(file).replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 128);
  return isModelName(stem) ? stem : 'model';
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
  const name = modelNameFromFile(modelFile!);
  const { manifest } = await createPhoton({ name, version: '0', model: bytes, ...(labels ? { labels } : {}), ...(image ? { image } : {}) });
  return startServer({ ...serve, manifest, model: bytes });
}
