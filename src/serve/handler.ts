/**
 * The photon handler API: an optional ES module in a photon that adds routes or rewrites
 * prediction responses. Loaded from the unpacked photon folder at server start.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { type FastifyInstance } from 'fastify';
import { LeptonError } from '../core/errors.js';
import { type Logger } from '../core/logger.js';
import { type PhotonManifest } from '../photon/manifest.js';
import { type Outputs } from './model-runner.js';
import { type Prediction } from './predict.js';

export interface HandlerContext {
  manifest: PhotonManifest;
  logger: Logger;
  /** Run the model through the server's batcher: `rows` is [rows, ...input dims] of the first input. */
  predict(data: Float32Array, dims: number[]): Promise<Outputs>;
}

export interface PredictResult {
  predictions: Prediction[];
  model: string;
  outputs?: Record<string, { dims: number[]; data: number[] }>;
}

export interface PhotonHandler {
  /** Add routes (e.g. `/explain`). Called once at start. */
  routes?(app: FastifyInstance, ctx: HandlerContext): void | Promise<void>;
  /** Rewrite a /predict response; `raw` holds the engine outputs. */
  postprocess?(result: PredictResult, raw: Outputs, ctx: HandlerContext): PredictResult | Promise<PredictResult>;
}

/** Import the handler module from an unpacked photon folder (default export or `handler`). */
export async function loadHandler(dir: string, manifest: PhotonManifest): Promise<PhotonHandler | undefined> {
  if (!manifest.handler) return undefined;
  let mod: { default?: PhotonHandler; handler?: PhotonHandler };
  try {
    mod = (await import(pathToFileURL(join(dir, manifest.handler)).href)) as typeof mod;
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `photon handler ${manifest.handler} failed to load: ${(err as Error).message}`, { cause: err });
  }
  const h = mod.default ?? mod.handler;
  if (!h || typeof h !== 'object' || (h.routes !== undefined && typeof h.routes !== 'function') || (h.postprocess !== undefined && typeof h.postprocess !== 'function')) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `photon handler ${manifest.handler} must export an object with routes() and/or postprocess()`);
  }
  return h;
}
