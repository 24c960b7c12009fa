/** Layer 5 compress: quantization, pruning and distillation of ONNX models, with measured reports. */
export * from './compress.js';
export * from './calibrate.js';
export * from './measure.js';
export * from './report.js';
export * from './predict.js';
export * from './students.js';
export { distillationLoss, type DistillLossOptions } from './distill-loss.js';
export { GraphProgram } from './graph-program.js';
export { fitGraph, programAccuracy, type FitOptions } from './fit.js';
