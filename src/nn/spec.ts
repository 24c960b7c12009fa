/**
 * The JSON-able architecture description of a model. A spec plus a state dict (a checkpoint)
 * is enough to rebuild a model or export it to ONNX without the code that trained it.
 */

/** One layer (or a Sequential of layers). Field names follow PyTorch's constructor arguments. */
export type LayerSpec =
  | { type: 'linear'; inFeatures: number; outFeatures: number; bias?: boolean }
  | { type: 'conv2d'; inChannels: number; outChannels: number; kernelSize: number; stride?: number; padding?: number; bias?: boolean }
  | { type: 'maxpool2d'; kernelSize: number; stride?: number; padding?: number }
  | { type: 'avgpool2d'; kernelSize: number; stride?: number; padding?: number }
  | { type: 'batchnorm1d' | 'batchnorm2d'; numFeatures: number; eps?: number; momentum?: number }
  | { type: 'dropout'; p: number }
  | { type: 'softmax'; dim?: number }
  | { type: 'flatten' }
  | { type: 'relu' }
  | { type: 'sigmoid' }
  | { type: 'tanh' }
  | { type: 'sequential'; layers: LayerSpec[] };

export type LayerType = LayerSpec['type'];

export const LAYER_TYPES: readonly LayerType[] = [
  'linear',
  'conv2d',
  'maxpool2d',
  'avgpool2d',
  'batchnorm1d',
  'batchnorm2d',
  'dropout',
  'softmax',
  'flatten',
  'relu',
  'sigmoid',
  'tanh',
  'sequential',
];

/** A model description as stored in checkpoints: the layers plus the per-sample input shape. */
export interface ModelArch {
  /** Per-sample input shape, e.g. [784] or [1, 28, 28]. */
  inputShape: number[];
  /** Number of output classes (logits). */
  numClasses: number;
  model: LayerSpec;
  /** Free-form name, e.g. "mlp" or "cnn". */
  name?: string;
}
