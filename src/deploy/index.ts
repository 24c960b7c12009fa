/** Layer 7 control plane: deployments, replica supervision, autoscaling, rolling updates, store, API. */
export * from './spec.js';
export * from './store.js';
export * from './autoscaler.js';
export * from './replica-process.js';
export * from './controller.js';
export * from './control-plane.js';
export * from './front-door.js';
export * from './platform.js';
export * from './token-store-sqlite.js';
export * from './keyring.js';
export * from './security.js';
export * from './api-security.js';
