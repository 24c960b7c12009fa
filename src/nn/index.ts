/** Layer 2 nn: layers, init, losses, optimizers, the training loop and safetensors checkpoints. */
export * from './spec.js';
export { Module, type Named } from './module.js';
export { Linear, Conv2d, type InitOptions, type Conv2dLayerOptions } from './layers.js';
export { ReLU, Sigmoid, Tanh, Softmax, Dropout, Flatten, MaxPool2d, AvgPool2d } from './activations.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from './batchnorm.js';
export { Sequential } from './sequential.js';
export { RNN, LSTM, GRU, LastStep, RecurrentBase, type RecurrentLayerOptions, type RecurrentState, type RecurrentResult } from './recurrent.js';
export { Embedding } from './embedding.js';
export { ReLU6, Hardswish, GlobalAvgPool2d, ConvBnAct, InvertedResidual, type BlockActivation } from './light.js';
export { LAYER_DEFS, LAYER_TYPES, layerDef, parseLayerSpec, buildModule, type BuildOptions } from './layer-registry.js';
export { defineLayer, field, type LayerDef, type Field, type SpecOf, type BuildContext, type ParseContext, type AnySpec } from './layer-def.js';
export * from './init.js';
export * from './losses.js';
export * from './optim/index.js';
export * from './trainer.js';
export * from './safetensors.js';
export * from './checkpoint.js';
export * from './architectures.js';
