/** Layer 5: photons — the manifest, packing, creation and the content-addressed registry. */
export * from './manifest.js';
export * from './archive.js';
export * from './create.js';
export * from './registry.js';
