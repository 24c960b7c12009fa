/** Registry entries of the layers without weights: relu, sigmoid, tanh, softmax, dropout, flatten. */
import { ReLU, Sigmoid, Tanh, Softmax, Dropout, Flatten } from '../activations.js';
import { defineLayer, field } from '../layer-def.js';

export const reluLayer = defineLayer({ type: 'relu', fields: {}, example: { spec: { type: 'relu' }, inputShape: [5] }, build: () => new ReLU() });

export const sigmoidLayer = defineLayer({ type: 'sigmoid', fields: {}, example: { spec: { type: 'sigmoid' }, inputShape: [5] }, build: () => new Sigmoid() });

export const tanhLayer = defineLayer({ type: 'tanh', fields: {}, example: { spec: { type: 'tanh' }, inputShape: [5] }, build: () => new Tanh() });

export const softmaxLayer = defineLayer({
  type: 'softmax',
  fields: { dim: field.optionalNumber },
  example: { spec: { type: 'softmax' }, inputShape: [5] },
  build: (s) => new Softmax(s.dim ?? 1),
});

/** Inverted dropout in training; the identity in eval mode (and in the exported graph). */
export const dropoutLayer = defineLayer({
  type: 'dropout',
  fields: { p: field.number },
  example: { spec: { type: 'dropout', p: 0.25 }, inputShape: [5] },
  build: (s, ctx) => new Dropout(s.p, ctx.rng),
});

/** [N, ...] → [N, prod(...)]. */
export const flattenLayer = defineLayer({ type: 'flatten', fields: {}, example: { spec: { type: 'flatten' }, inputShape: [2, 3, 2] }, build: () => new Flatten() });
