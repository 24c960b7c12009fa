/** Public API of lepton-ts: each layer's barrel, exported under a namespace. */
export * as data from './data/index.js';
export * as ml from './ml/index.js';
export * as secure from './secure/index.js';
