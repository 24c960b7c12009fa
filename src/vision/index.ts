/** Layer 2 vision: HOG descriptors, compact (≤ 256-byte) image codes and a vector index over them. */
export * from './hog.js';
export * from './quantizer.js';
export * from './codec.js';
export * from './vector-index.js';
