/**
 * The `mobilenet-mini[-W]` distillation student: the layers of nn's mobilenet-mini architecture
 * (src/nn/architectures.ts, width multiplier W) emitted as an ONNX graph that GraphProgram can
 * train. Graph training has no batch statistics, so each conv carries a bias instead of a batch
 * norm (what an exported, folded mobilenet-mini looks like); to keep activations at a steady scale
 * without normalisation, the convs before ReLU6 are He-initialised and the linear projections
 * LeCun-initialised, a quarter of that in blocks with a skip so they start near the identity.
 */
import { invalidArgument } from '../core/errors.js';
import { type Rng } from '../core/rng.js';
import { attr, type GraphBuilder } from '../onnx/builder.js';
import { namedArch, type LayerSpec } from '../nn/index.js';

function normal(rng: Rng, n: number, std: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal(0, std));
}

interface Counter {
  i: number;
}

/** Conv k×k ("same" padding) with a zero bias, then ReLU6; `linear`: no activation, weights at that multiple of LeCun scale. */
function conv(g: GraphBuilder, rng: Rng, n: Counter, x: string, inC: number, outC: number, k: number, o: { stride?: number; groups?: number; linear?: number }): string {
  const groups = o.groups ?? 1;
  const fanIn = (inC / groups) * k * k;
  const std = o.linear !== undefined ? o.linear / Math.sqrt(fanIn) : Math.sqrt(2 / fanIn);
  const id = n.i++;
  const w = g.initializer(`conv${id}_w`, { dtype: 'float32', dims: [outC, inC / groups, k, k], data: normal(rng, outC * fanIn, std) });
  const b = g.initializer(`conv${id}_b`, { dtype: 'float32', dims: [outC], data: new Float32Array(outC) });
  const p = (k - 1) / 2;
  const s = o.stride ?? 1;
  const y = g.node('Conv', [x, w, b], { kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]), pads: attr.ints([p, p, p, p]), group: attr.int(groups) });
  if (o.linear) return y;
  if (!g.spec.initializers.some((t) => t.name === 'relu6_min')) {
    g.initializer('relu6_min', { dtype: 'float32', dims: [], data: Float32Array.of(0) });
    g.initializer('relu6_max', { dtype: 'float32', dims: [], data: Float32Array.of(6) });
  }
  return g.node('Clip', [y, 'relu6_min', 'relu6_max']);
}

/** Emit the feature extractor of mobilenet-mini on NCHW `x` ([N, 1, 28, 28]-like); returns [N, head] logits input and its width. */
export function emitMobilenetFeatures(g: GraphBuilder, rng: Rng, x: string, widthMult: number, inChannels: number): { out: string; width: number } {
  const model = namedArch('mobilenet-mini', 10, { widthMult }).model;
  const layers: LayerSpec[] = model.type === 'sequential' ? model.layers : [model];
  const n: Counter = { i: 0 };
  let width = 0;
  for (const l of layers) {
    if (l.type === 'conv_bn_act') {
      const inC = l.inChannels === 1 ? inChannels : l.inChannels;
      x = conv(g, rng, n, x, inC, l.outChannels, l.kernelSize, { stride: l.stride ?? 1, groups: l.groups ?? 1 });
      width = l.outChannels;
    } else if (l.type === 'inverted_residual') {
      const t = l.expandRatio ?? 6;
      const hidden = l.inChannels * t;
      let h = t === 1 ? x : conv(g, rng, n, x, l.inChannels, hidden, 1, {});
      h = conv(g, rng, n, h, hidden, hidden, 3, { stride: l.stride ?? 1, groups: hidden });
      const skip = (l.stride ?? 1) === 1 && l.inChannels === l.outChannels;
      h = conv(g, rng, n, h, hidden, l.outChannels, 1, { linear: skip ? 0.25 : 1 });
      x = skip ? g.node('Add', [h, x]) : h;
    } else if (l.type === 'global_avgpool2d') {
      x = g.node('GlobalAveragePool', [x]);
    } else if (l.type === 'flatten') {
      x = g.node('Flatten', [x], { axis: attr.int(1) });
    } else if (l.type !== 'linear') {
      throw invalidArgument(`mobilenet-mini student: unexpected layer ${l.type}`);
    }
  }
  return { out: x, width };
}
