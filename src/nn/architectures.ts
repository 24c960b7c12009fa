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
 * mobilenet-mini: MobileNetV2 sized for 28×28×1 (input [N, 1, 28, 28]): a stride-1 3×3 stem,
 *      inverted residual stages (t, c, n, s) = (1, 16, 1, 1) (6, 24, 2, 2) (6, 32, 2, 2) (6, 64, 2, 1),
 *      so 28 → 14 → 7 (the first stride 2 comes late: these images have no resolution to spare),
 *      a 1×1 head to 128, global average pooling and dense(→10). `widthMult` scales every channel
 *      count (rounded to a multiple of 8, as MobileNetV2's _make_divisible; the head stays ≥ 128·w).
 */
import { invalidArgument } from '../core/errors.js';
import { type LayerSpec, type ModelArch } from './spec.js';

export const ARCH_NAMES = ['mlp', 'cnn', 'rnn', 'lstm', 'gru', 'mobilenet-mini'] as const;
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
  /**
   * lstm: the forget-gate bias init (Jozefowicz et al. 2015; Keras's unit_forget_bias). Default 1,
   * chosen on a validation split (bench/seq-val.ts: LSTM-64, 1 epoch, last 10k training images,
   * seeds 0–2: 80.6% mean against 78.1% with PyTorch's uniform init); null: PyTorch's init.
   */
  forgetBias?: number | null;
  /** Channel width multiplier of mobilenet-mini (default 1; 0.5, 0.75 and 1 are the named sizes). */
  widthMult?: number;
}

/** MobileNetV2's stage table for 28×28 inputs: expansion t, channels c, repeats n, first stride s. */
const MOBILENET_MINI_STAGES: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 2, 2],
  [6, 64, 2, 1],
];

/** MobileNetV2's _make_divisible: nearest multiple of `d`, at least d, never below 90% of v. */
function makeDivisible(v: number, d = 8): number {
  const r = Math.max(d, Math.floor(v + d / 2) - (Math.floor(v + d / 2) % d));
  return r < 0.9 * v ? r + d : r;
}

function mobilenetMini(numClasses: number, widthMult: number): ModelArch {
  if (!(widthMult > 0 && widthMult <= 4)) throw invalidArgument(`mobilenet-mini width multiplier must be in (0, 4], got ${widthMult}`);
  const stem = makeDivisible(16 * widthMult);
  const layers: LayerSpec[] = [{ type: 'conv_bn_act', inChannels: 1, outChannels: stem, kernelSize: 3 }];
  let c = stem;
  for (const [t, ch, n, s] of MOBILENET_MINI_STAGES) {
    const out = makeDivisible(ch * widthMult);
    for (let i = 0; i < n; i++) {
      layers.push({ type: 'inverted_residual', inChannels: c, outChannels: out, stride: i === 0 ? s : 1, expandRatio: t });
      c = out;
    }
  }
  const head = makeDivisible(128 * Math.max(1, widthMult));
  layers.push(
    { type: 'conv_bn_act', inChannels: c, outChannels: head, kernelSize: 1 },
    { type: 'global_avgpool2d' },
    { type: 'flatten' },
    { type: 'linear', inFeatures: head, outFeatures: numClasses },
  );
  return { name: 'mobilenet-mini', inputShape: [1, 28, 28], numClasses, model: { type: 'sequential', layers } };
}

/** The architecture for 28×28 single-channel images and `numClasses` outputs. */
export function namedArch(name: string, numClasses = 10, o: ArchOptions = {}): ModelArch {
  if (name === 'rnn' || name === 'lstm' || name === 'gru') {
    const hidden = o.hidden ?? 64;
    const layers = o.layers ?? 1;
    const forgetBias = o.forgetBias === undefined ? 1 : o.forgetBias;
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
          { type: name, inputSize: 28, hiddenSize: hidden, numLayers: layers, batchFirst: true, ...(name === 'lstm' && forgetBias !== null && { forgetBias }) },
          { type: 'last_step' },
          { type: 'linear', inFeatures: hidden, outFeatures: numClasses },
        ],
      },
    };
  }
  if (name === 'mobilenet-mini') return mobilenetMini(numClasses, o.widthMult ?? 1);
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
