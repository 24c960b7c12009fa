/** Layer 7 federated learning: server, client, strategies, partitions, secure aggregation, simulation. */
export * from './codec.js';
export * from './model.js';
export * from './strategy.js';
export * from './partition.js';
export * from './shamir.js';
export * from './secagg.js';
export * from './aggregate.js';
export * from './checkpoint.js';
export * from './protocol.js';
export { FlServer, type FlServerOptions, type RoundRecord } from './server.js';
export { FlClient, type FlClientOptions, type FlClientResult } from './client.js';
export { simulate, roundsToTarget, type SimulateOptions, type SimulationMetrics } from './simulate.js';
export { accuracySvg, svgToPng, type Series } from './chart.js';
