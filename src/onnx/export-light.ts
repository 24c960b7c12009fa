/**
 * ONNX exporters of the light-network layers (src/nn/light.ts). Every conv → batch norm pair is
 * folded into one Conv with a bias (W' = W·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), so the exported graph
 * has no BatchNormalization node; ReLU6 is Clip(0, 6) with min/max as inputs (opset ≥ 11); the
 * block's skip is an Add. Hardswish is x·HardSigmoid(x, 1/6, 1/2): HardSwish itself needs opset 14
 * and our default is 13, while this pair runs everywhere (the op table runs HardSwish too, for
 * graphs exported by PyTorch).
 */
import { attr, type GraphBuilder } from './builder.js';
import { type ExportStep, type LayerExporter } from './export-registry.js';

/** PyTorch's BatchNorm2d default, the one ConvBnAct builds. */
const BN_EPS = 1e-5;

/** Clip's bounds as shared scalar initializers (one pair per graph). */
function clipBounds(g: GraphBuilder): [string, string] {
  const have = new Set(g.spec.initializers.map((i) => i.name));
  for (const [name, v] of [['relu6_min', 0], ['relu6_max', 6]] as const) {
    if (!have.has(name)) g.initializer(name, { dtype: 'float32', dims: [], data: Float32Array.of(v) });
  }
  return ['relu6_min', 'relu6_max'];
}

export function emitRelu6(g: GraphBuilder, input: string, outputs?: string[]): string {
  return g.node('Clip', [input, ...clipBounds(g)], {}, outputs);
}

export function emitHardswish(g: GraphBuilder, input: string, outputs?: string[]): string {
  const gate = g.node('HardSigmoid', [input], { alpha: attr.float(1 / 6), beta: attr.float(0.5) });
  return g.node('Mul', [input, gate], {}, outputs);
}

interface ConvBnActShape {
  kernelSize: number;
  stride?: number;
  groups?: number;
  activation: 'relu6' | 'none';
}

/** One ConvBnAct under `sub` (e.g. "depthwise."): Conv with the folded batch norm, then its activation. */
function emitConvBnAct(s: ExportStep, sub: string, input: string, c: ConvBnActShape, outputs?: string[]): string {
  const w = s.tensor(`${sub}conv.weight`);
  const gamma = s.tensor(`${sub}bn.weight`).data;
  const beta = s.tensor(`${sub}bn.bias`).data;
  const mean = s.tensor(`${sub}bn.running_mean`).data;
  const variance = s.tensor(`${sub}bn.running_var`).data;
  const outC = w.shape[0]!;
  const per = w.data.length / outC;
  const fw = new Float32Array(w.data.length);
  const fb = new Float32Array(outC);
  for (let o = 0; o < outC; o++) {
    const k = gamma[o]! / Math.sqrt(variance[o]! + BN_EPS);
    for (let i = o * per; i < (o + 1) * per; i++) fw[i] = w.data[i]! * k;
    fb[o] = beta[o]! - mean[o]! * k;
  }
  const name = `${s.prefix}${sub}conv`;
  const wName = s.g.initializer(`${name}.weight`, { dtype: 'float32', dims: [...w.shape], data: fw });
  const bName = s.g.initializer(`${name}.bias`, { dtype: 'float32', dims: [outC], data: fb });
  const k = c.kernelSize;
  const pad = (k - 1) / 2;
  const st = c.stride ?? 1;
  const attrs = { kernel_shape: attr.ints([k, k]), strides: attr.ints([st, st]), pads: attr.ints([pad, pad, pad, pad]), group: attr.int(c.groups ?? 1) };
  const last = c.activation === 'none';
  const y = s.g.node('Conv', [input, wName, bName], attrs, last ? outputs : undefined);
  return c.activation === 'relu6' ? emitRelu6(s.g, y, outputs) : y;
}

export const convBnActExporter: LayerExporter<{ type: 'conv_bn_act'; kernelSize: number; stride?: number; groups?: number }> = {
  ops: ['Conv', 'Clip'],
  emit: (l, s) => emitConvBnAct(s, '', s.input, { ...l, activation: 'relu6' }, s.outputs),
};

export const invertedResidualExporter: LayerExporter<{
  type: 'inverted_residual';
  inChannels: number;
  outChannels: number;
  stride?: number;
  expandRatio?: number;
}> = {
  ops: ['Conv', 'Clip', 'Add'],
  emit(l, s) {
    const act = 'relu6';
    const ratio = l.expandRatio ?? 6;
    const stride = l.stride ?? 1;
    const hidden = l.inChannels * ratio;
    const residual = stride === 1 && l.inChannels === l.outChannels;
    let h = s.input;
    if (ratio !== 1) h = emitConvBnAct(s, 'expand.', h, { kernelSize: 1, activation: act });
    h = emitConvBnAct(s, 'depthwise.', h, { kernelSize: 3, stride, groups: hidden, activation: act });
    const y = emitConvBnAct(s, 'project.', h, { kernelSize: 1, activation: 'none' }, residual ? undefined : s.outputs);
    return residual ? s.g.node('Add', [y, s.input], {}, s.outputs) : y;
  },
};
