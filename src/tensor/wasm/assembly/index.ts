// Entry point of the WebAssembly kernel module (AssemblyScript, built by scripts/build-wasm.mjs).
// No runtime allocations: the TypeScript side owns the memory layout and passes byte offsets.
export { packA, packB, gemmTile, MR, NR } from './gemm';
export { im2col, col2im } from './conv';
export { relu, reluBackward, maxPool2d } from './elementwise';
export { winoWeights } from './winograd';
export { dwScratchBytes } from './depthwise';
export { runTask, convScratchOffset } from './jobs';
// Summing the threads' gradient accumulators uses the same SIMD loop as col2im.
export { addInto } from './conv';
// Gate math of recurrent layers (src/tensor/wasm/recurrent-jobs.ts).
export { lstmGates, gruGates, lstmGatesBackward, gruGatesBackward, sumRows } from './recurrent';
// 16-bit float conversions for mixed precision (src/parallel/half.ts).
export { f32ToBf16, bf16ToF32, roundBf16, f32ToF16, f16ToF32, roundF16 } from './half';

/** First byte the TypeScript side may use for operands and scratch. */
export function heapBase(): usize {
  return __heap_base;
}
// Adam and the weight average on resident buffers (src/tensor/wasm/resident.ts).
export { adamStep, emaFold } from './optim';
// Int8 code scans for the vector index (src/tensor/wasm/codes-api.ts).
export { codesDotI16 } from './codes';
// HOG cell histograms and L2-Hys blocks (src/tensor/wasm/hog-api.ts).
export { hogCells, hogBlocks } from './hog';
