/** Layer 0: what every other layer may use. */
export * from './errors.js';
export * from './logger.js';
export * from './config.js';
export * from './rng.js';
export * from './fs.js';
export * from './progress.js';
export * from './names.js';
