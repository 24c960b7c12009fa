/**
 * The named architectures `lep train --arch` offers. The bench's PyTorch and TF.js peers build
 * exactly the same layers.
 *
 * mlp: 784-128-10, ReLU (input [N, 784]).
 * cnn: conv(1→32, 3×3, pad 1)-ReLU-maxpool 2 - conv(32→64, 3×3, pad 1)-ReLU-maxpool 2
 *      - flatten - dense(3136→128)-ReLU - dense(128→10) (input [N, 1, 28, 28]).
 * rnn | lstm | gru: row-sequential images, the standard recurrent benchmark: 28 steps of 28
 *      pixels (input [N, 28, 28], batch-first) through `layers` stacked cells of `hidden` units
 *      (default 1 × 64), the last step's output into dense(hidden→10).
 */
import { invalidArgument } from '../core/errors.js';
import { type ModelArch } from './spec.js';

export const ARCH_NAMES = ['mlp', 'cnn', 'rnn', 'lstm', 'gru'] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

export function isArchName(v: unknown): v is ArchName {
  return typeof v === 'string' && (ARCH_NAMES as readonly string[]).includes(v);
}

/** Size of the recurrent architectures (ignored by mlp and cnn). */
export interface ArchOptions {
  /** Hidden units per recurrent layer (default 64). */
  hidden?: number;
  /** Stacked recurrent layers (default 1). */
  layers?: number;
}

/** The architecture for 28×28 single-channel images and `numClasses` outputs. */
export function namedArch(name: string, numClasses = 10, o: ArchOptions = {}): ModelArch {
  if (name === 'rnn' || name === 'lstm' || name === 'gru') {
    const hidden = o.hidden ?? 64;
    const layers = o.layers ?? 1;
    for (const [v, what] of [[hidden, 'hidden size'], [layers, 'layer count']] as const) {
      if (!Number.isInteger(v) || v < 1) throw invalidArgument(`${name} ${what} must be a positive integer, got ${v}`);
    }
    return {
      name,
      inputShape: [28, 28],
      numClasses,
      model: {
        type: 'sequential',
        layers: [
          { type: name, inputSize: 28, hiddenSize: hidden, numLayers: layers, batchFirst: true },
          { type: 'last_step' },
          { type: 'linear', inFeatures: hidden, outFeatures: numClasses },
        ],
      },
    };
  }
  if (name === 'mlp') {
    return {
      name,
      inputShape: [784],
      numClasses,
      model: {
        type: 'sequential',
        layers: [{ type: 'linear', inFeatures: 784, outFeatures: 128 }, { type: 'relu' }, { type: 'linear', inFeatures: 128, outFeatures: numClasses }],
      },
    };
  }
  if (name === 'cnn') {
    return {
      name,
      inputShape: [1, 28, 28],
      numClasses,
      model: {
        type: 'sequential',
        layers: [
          { type: 'conv2d', inChannels: 1, outChannels: 32, kernelSize: 3, padding: 1 },
          { type: 'relu' },
          { type: 'maxpool2d', kernelSize: 2 },
          { type: 'conv2d', inChannels: 32, outChannels: 64, kernelSize: 3, padding: 1 },
          { type: 'relu' },
          { type: 'maxpool2d', kernelSize: 2 },
          { type: 'flatten' },
          { type: 'linear', inFeatures: 64 * 7 * 7, outFeatures: 128 },
          { type: 'relu' },
          { type: 'linear', inFeatures: 128, outFeatures: numClasses },
        ],
      },
    };
  }
  throw invalidArgument(`unknown architecture ${JSON.stringify(name)}; valid: ${ARCH_NAMES.join(', ')}`);
}
