/**
 * How each layer type of the nn layer registry becomes ONNX: one exporter per layer type, keyed by
 * the same names. The mapped type below makes a layer without an exporter a compile error, and each
 * exporter names the ONNX ops it emits (the ops the op table in src/onnx/ops/ must run).
 */
import { LeptonError } from '../core/errors.js';
import { type AnySpec, type LayerSpec, type LayerType } from '../nn/index.js';
import { attr, type AttrValue, type GraphBuilder } from './builder.js';
import { recurrentExporter, lastStepExporter, embeddingExporter } from './export-recurrent.js';
import { convBnActExporter, invertedResidualExporter, emitRelu6, emitHardswish } from './export-light.js';

export const unsupported = (what: string): LeptonError => new LeptonError('LEPTON_ERR_UNSUPPORTED', `ONNX export: ${what}`);

/** One layer's place in the graph being built. */
export interface ExportStep {
  readonly g: GraphBuilder;
  /** The previous layer's output and its rank (batch included). */
  readonly input: string;
  readonly rank: number;
  /** Position in the Sequential, for messages. */
  readonly index: number;
  /** The initializer of one of this layer's state tensors ('weight', 'bias', 'running_mean'…). */
  weight(name: string): string;
  /** One of this layer's state tensors itself, for exporters that rearrange weights (recurrent gate order). */
  tensor(name: string): { readonly shape: readonly number[]; readonly data: Float32Array };
  /** The layer's state-dict prefix ("0." in a Sequential, "" alone), to name derived initializers. */
  readonly prefix: string;
  /** Output names of the layer's last node: the graph output for the last layer, else generated. */
  readonly outputs: string[] | undefined;
  /** Emit a nested layer list (its tensors under this layer's prefix + `subPrefix` + index); returns its output. */
  layers(sub: readonly LayerSpec[], input: string, rank: number, subPrefix: string, outputs?: string[]): string;
}

export interface LayerExporter<S extends AnySpec> {
  /** ONNX op types this layer emits (default domain). */
  readonly ops: readonly string[];
  /** Output rank for an input of rank `rank` (batch included); default unchanged. */
  outRank?(rank: number): number;
  /** Add the layer's nodes; returns the name of its output. */
  emit(spec: S, step: ExportStep): string;
}

export type ExportRegistry = { readonly [T in LayerType]: LayerExporter<Extract<LayerSpec, { type: T }>> };

/** Square kernel, stride and symmetric padding as ONNX's kernel_shape/strides/pads. */
const window2d = (k: number, s: number, pad: number) => ({ kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]), pads: attr.ints([pad, pad, pad, pad]) });

const elementwise = (op: string): LayerExporter<AnySpec> => ({ ops: [op], emit: (_, s) => s.g.node(op, [s.input], {}, s.outputs) });

export const LAYER_EXPORTERS: ExportRegistry = {
  linear: {
    ops: ['Gemm'],
    emit(l, s) {
      if (s.rank !== 2) throw unsupported(`layer ${s.index} (linear) gets a rank-${s.rank} input; add a flatten before it`);
      const inputs = l.bias === false ? [s.input, s.weight('weight')] : [s.input, s.weight('weight'), s.weight('bias')];
      return s.g.node('Gemm', inputs, { transB: attr.int(1) }, s.outputs);
    },
  },
  conv2d: {
    ops: ['Conv'],
    emit(l, s) {
      const inputs = [s.input, s.weight('weight'), ...(l.bias === false ? [] : [s.weight('bias')])];
      // group only when grouped: dense convs export byte-for-byte as before (the golden files pin them).
      const attrs: Record<string, AttrValue> = window2d(l.kernelSize, l.stride ?? 1, l.padding ?? 0);
      if ((l.groups ?? 1) !== 1) attrs['group'] = attr.int(l.groups!);
      return s.g.node('Conv', inputs, attrs, s.outputs);
    },
  },
  maxpool2d: {
    ops: ['MaxPool'],
    emit: (l, s) => s.g.node('MaxPool', [s.input], window2d(l.kernelSize, l.stride ?? l.kernelSize, l.padding ?? 0), s.outputs),
  },
  avgpool2d: {
    ops: ['AveragePool'],
    // count_include_pad=1: padding counts in the mean, as in PyTorch's AvgPool2d default.
    emit: (l, s) => s.g.node('AveragePool', [s.input], { ...window2d(l.kernelSize, l.stride ?? l.kernelSize, l.padding ?? 0), count_include_pad: attr.int(1) }, s.outputs),
  },
  batchnorm1d: { ops: ['BatchNormalization'], emit: (l, s) => batchNorm(l, s) },
  batchnorm2d: { ops: ['BatchNormalization'], emit: (l, s) => batchNorm(l, s) },
  // Inference graph: dropout is the identity.
  dropout: elementwise('Identity'),
  softmax: { ops: ['Softmax'], emit: (l, s) => s.g.node('Softmax', [s.input], { axis: attr.int(l.dim ?? 1) }, s.outputs) },
  flatten: { ops: ['Flatten'], outRank: () => 2, emit: (_, s) => s.g.node('Flatten', [s.input], { axis: attr.int(1) }, s.outputs) },
  relu: elementwise('Relu'),
  sigmoid: elementwise('Sigmoid'),
  tanh: elementwise('Tanh'),
  rnn: recurrentExporter('RNN'),
  lstm: recurrentExporter('LSTM'),
  gru: recurrentExporter('GRU'),
  last_step: lastStepExporter,
  embedding: embeddingExporter,
  relu6: { ops: ['Clip'], emit: (_, s) => emitRelu6(s.g, s.input, s.outputs) },
  hardswish: { ops: ['HardSigmoid', 'Mul'], emit: (_, s) => emitHardswish(s.g, s.input, s.outputs) },
  global_avgpool2d: { ops: ['GlobalAveragePool'], emit: (_, s) => s.g.node('GlobalAveragePool', [s.input], {}, s.outputs) },
  conv_bn_act: convBnActExporter,
  inverted_residual: invertedResidualExporter,
  // LSTNet's highway: the body's [N, K] output + Gemm over the flattened window, one Add.
  ar_highway: {
    ops: ['Flatten', 'Gemm', 'Add'],
    outRank: () => 2,
    emit(l, s) {
      const body = s.layers(l.body, s.input, s.rank, 'body.');
      const flat = s.g.node('Flatten', [s.input], { axis: attr.int(1) });
      const ar = s.g.node('Gemm', [flat, s.weight('ar.weight'), s.weight('ar.bias')], { transB: attr.int(1) });
      return s.g.node('Add', [body, ar], {}, s.outputs);
    },
  },
  sequential: {
    ops: [],
    emit: (_, s) => {
      throw unsupported(`nested Sequential at layer ${s.index}; flatten the layer list`);
    },
  },
};

/** PyTorch's momentum weighs the new batch; ONNX's weighs the running value, hence 1 − momentum. */
function batchNorm(l: { eps?: number; momentum?: number }, s: ExportStep): string {
  const inputs = [s.input, s.weight('weight'), s.weight('bias'), s.weight('running_mean'), s.weight('running_var')];
  return s.g.node('BatchNormalization', inputs, { epsilon: attr.float(l.eps ?? 1e-5), momentum: attr.float(1 - (l.momentum ?? 0.1)) }, s.outputs);
}

/** The exporter of a layer type (UNSUPPORTED for a type the registry lacks, e.g. from a newer checkpoint). */
export function layerExporter(type: string): LayerExporter<AnySpec> {
  const e = (LAYER_EXPORTERS as Record<string, LayerExporter<AnySpec> | undefined>)[type];
  if (!e) throw unsupported(`no exporter for layer type '${type}'`);
  return e;
}
