/** Layer 7 gateway: load-balancing policies, health, retries, ejection and the proxy. */
export * from './types.js';
export * from './policies.js';
export * from './policy-round-robin.js';
export * from './policy-least-request.js';
export * from './policy-affinity.js';
export * from './gateway.js';
export * from './route.js';
export * from './retry-budget.js';
export * from './outlier.js';
