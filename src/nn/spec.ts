/**
 * The JSON-able architecture description of a model. A spec plus a state dict (a checkpoint)
 * is enough to rebuild a model or export it to ONNX without the code that trained it.
 * The layer spec union is derived from the layer registry (layer-registry.ts), so a new layer
 * type is declared once, in its layer-defs/ file.
 */
import type { LayerSpec } from './layer-registry.js';

export type { LayerSpec, LayerType } from './layer-registry.js';

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
