/**
 * The named architectures `lep train --arch` offers. The bench's PyTorch and TF.js peers build
 * exactly the same layers.
 *
 * mlp: 784-128-10, ReLU (input [N, 784]).
 * cnn: conv(1→32, 3×3, pad 1)-ReLU-maxpool 2 - conv(32→64, 3×3, pad 1)-ReLU-maxpool 2
 *      - flatten - dense(3136→128)-ReLU - dense(128→10) (input [N, 1, 28, 28]).
 */
import { invalidArgument } from '../core/errors.js';
import { type ModelArch } from './spec.js';

export const ARCH_NAMES = ['mlp', 'cnn'] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

export function isArchName(v: unknown): v is ArchName {
  return typeof v === 'string' && (ARCH_NAMES as readonly string[]).includes(v);
}

/** The architecture for 28×28 single-channel images and `numClasses` outputs. */
export function namedArch(name: string, numClasses = 10): ModelArch {
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
