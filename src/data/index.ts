/** Layer 2 data: image datasets (mnist, mnist-small, fashion-mnist, IDX), batching, augmentation, image decode, CSV tables. */
export * from './dataset.js';
export * from './idx.js';
export * from './mnist.js';
export * from './mnist-small.js';
export * from './fashion-mnist.js';
export * from './registry.js';
export * from './loader.js';
export * from './augment.js';
export * from './image.js';
export { crc32, pngChunk, pngIhdr, PNG_SIGNATURE } from './png.js';
export * from './csv.js';
