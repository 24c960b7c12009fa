/**
 * The typed client SDK (`lepton-ts/client`): `Client` calls one deployment or model server
 * (predict, OIP infer, health); `PlatformClient` the control-plane API (deployments, photons,
 * tokens, secrets, keys, events). Both time out, retry what is safe, and throw ApiError (a
 * LeptonError) rebuilt from the server's error envelope. It imports only src/core, so it ships alone.
 */
import { HttpCore, type ClientOptions } from './http.js';

export { ApiError, type ClientOptions } from './http.js';
export { PlatformClient, OPERATIONS, type OperationId } from './platform.js';
export * from './jobs.js';
export type * from './types.js';
export { LeptonError } from '../core/errors.js';

export interface Prediction {
  index: number;
  label: string;
  score: number;
}

export interface PredictResponse {
  predictions: Prediction[];
  model: string;
  outputs?: Record<string, { dims: number[]; data: number[] }>;
}

export interface OipTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

export interface InferResponse {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: OipTensor[];
}

export interface HealthResponse {
  status: string;
  ready: boolean;
  model: string;
  queueDepth: number;
}

export class Client {
  private readonly http: HttpCore;

  /** `baseUrl`: a deployment (`http://host:8080/deployments/mnist`) or a model server. */
  constructor(baseUrl: string, options: ClientOptions = {}) {
    this.http = new HttpCore(baseUrl, options);
  }

  /**
   * Predict rows (`[[…], …]` or one flat row), a Float32Array of whole rows (sent as binary), or image
   * bytes with their content type. Prediction is read-only on the server, so it is retried.
   */
  predict(input: number[][] | number[] | Float32Array | { image: Uint8Array; contentType: string }, options: { raw?: boolean } = {}): Promise<PredictResponse> {
    const path = `/predict${options.raw ? '?raw=1' : ''}`;
    if (input instanceof Float32Array) {
      return this.http.call({ method: 'POST', path, body: new Uint8Array(input.buffer, input.byteOffset, input.byteLength), contentType: 'application/octet-stream', idempotent: true });
    }
    if (!Array.isArray(input)) return this.http.call({ method: 'POST', path, body: input.image, contentType: input.contentType, idempotent: true });
    const rows = input.length > 0 && Array.isArray(input[0]) ? input : [input];
    return this.http.call({ method: 'POST', path, body: JSON.stringify({ inputs: rows }), contentType: 'application/json', idempotent: true });
  }

  /** Open Inference Protocol v2 `infer` on `model`. */
  infer(model: string, inputs: OipTensor[], options: { id?: string; outputs?: string[] } = {}): Promise<InferResponse> {
    const body = { ...(options.id ? { id: options.id } : {}), inputs, ...(options.outputs ? { outputs: options.outputs.map((name) => ({ name })) } : {}) };
    return this.http.call({ method: 'POST', path: `/v2/models/${encodeURIComponent(model)}/infer`, body: JSON.stringify(body), contentType: 'application/json', idempotent: true });
  }

  /** GET /healthz. A draining replica answers 503, reported as LEPTON_ERR_NOT_READY. */
  health(): Promise<HealthResponse> {
    return this.http.call({ method: 'GET', path: '/healthz', idempotent: true });
  }

  /** OIP model metadata. */
  modelMetadata(model: string): Promise<unknown> {
    return this.http.call({ method: 'GET', path: `/v2/models/${encodeURIComponent(model)}`, idempotent: true });
  }
}
