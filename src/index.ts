/** Public API of lepton-ts: each layer's barrel, exported under a namespace. */
export * as core from './core/index.js';
export * as tensor from './tensor/index.js';
export * as data from './data/index.js';
export * as vision from './vision/index.js';
export * as nn from './nn/index.js';
export * as parallel from './parallel/index.js';
export { exportOnnx, type ExportOptions } from './onnx/export.js';
export * as ml from './ml/index.js';
export * as compress from './compress/index.js';
export * as navigator from './navigator/index.js';
export * as secure from './secure/index.js';
export * as runtime from './runtime/index.js';
export * as photon from './photon/index.js';
export * as serve from './serve/index.js';
export * as gateway from './gateway/index.js';
export * as deploy from './deploy/index.js';
export type { PhotonHandler, HandlerContext, PredictResult } from './serve/handler.js';
