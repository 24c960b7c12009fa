/** What every route of one model server shares: the photon, the runner, metrics and lifecycle state. */
import { type Logger } from '../core/logger.js';
import { type PhotonManifest } from '../photon/manifest.js';
import { type ServerMetrics } from './metrics.js';
import { type ModelRunner } from './model-runner.js';
import { type PhotonHandler } from './handler.js';

export interface ServeContext {
  manifest: PhotonManifest;
  /** `name@version`, reported in every prediction. */
  ref: string;
  runner: ModelRunner;
  metrics: ServerMetrics;
  handler: PhotonHandler | undefined;
  logger: Logger;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Pixel budget for uploaded images (checked from the header, before decoding). */
  limitInputPixels: number;
  state: {
    /** False once shutdown starts: readiness fails first. */
    ready: boolean;
    /** True once the listener is closing: new requests get 503. */
    closing: boolean;
  };
}
