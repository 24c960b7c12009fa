/** Layer 6: the model server — routes, batcher, admission control, per-replica metrics. */
export { startServer, createServer, closeOnSignals, type ServeOptions, type ServerHandle } from './server.js';
export { Batcher, type BatcherOptions, type BatchRunner } from './batcher.js';
export { LatencyModel, type LatencyFit } from './latency-model.js';
export { ModelRunner, type Feed, type Outputs } from './model-runner.js';
export { parsePredictBody, type PredictBody, type ScannedTensor } from './json-tensor.js';
export { type PhotonHandler, type HandlerContext, type PredictResult } from './handler.js';
export { servePhoton, type ServePhotonOptions } from './serve-photon.js';
export { holdLifeline, SUPERVISOR_PID_ENV, type LifelineOptions } from './lifeline.js';
export { runReplica, type RunReplicaOptions } from './replica.js';
export {
  launchReplica,
  replicaSpawn,
  parseReplicaConfig,
  REPLICA_CONFIG_ENV,
  type ReplicaConfig,
  type ReplicaSpawn,
  type ReplicaMessage,
  type ReplicaReady,
  type LaunchedReplica,
  type LaunchOptions,
} from './replica-launcher.js';
