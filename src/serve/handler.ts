/**
 * The photon handler API: an optional ES module in a photon that adds routes or rewrites
 * prediction responses. Loaded from the photon's bytes in memory at server start.
 */
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

/**
 * Import the handler module straight from the photon's bytes (a `data:` URL), so serving a photon
 * with a handler writes nothing of it to disk: encrypted photons stay encrypted at rest. The price:
 * a handler is one self-contained module that may import `node:` built-ins, not files beside it.
 */
export async function loadHandler(manifest: PhotonManifest, source: Uint8Array): Promise<PhotonHandler | undefined> {
  if (!manifest.handler) return undefined;
  let mod: { default?: PhotonHandler; handler?: PhotonHandler };
  try {
    mod = (await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`)) as typeof mod;
  } catch (err) {
    const msg = (err as Error).message;
    const hint = /relative|resolve|bare specifier|ERR_UNSUPPORTED/i.test(`${msg} ${(err as { code?: string }).code ?? ''}`)
      ? ' (a photon handler is one self-contained module: it may import node: built-ins, not other files or packages)'
      : '';
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `photon handler ${manifest.handler} failed to load: ${msg}${hint}`, { cause: err });
  }
  const h = mod.default ?? mod.handler;
  if (!h || typeof h !== 'object' || (h.routes !== undefined && typeof h.routes !== 'function') || (h.postprocess !== undefined && typeof h.postprocess !== 'function')) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `photon handler ${manifest.handler} must export an object with routes() and/or postprocess()`);
  }
  return h;
}
