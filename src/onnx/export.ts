/**
 * Export an nn model (a Sequential spec plus its state dict) to ONNX through the graph builder:
 * input `input` [N, ...inputShape] with a symbolic batch, output `logits`, default opset 13.
 * Every layer maps to one standard op so onnxruntime (and any ONNX consumer) runs it as is.
 */
import { LeptonError } from '../core/errors.js';
import { Tensor, noGrad } from '../tensor/index.js';
import { type Module, type LayerSpec } from '../nn/index.js';
import { GraphBuilder, attr } from './builder.js';

export interface ExportOptions {
  /** Per-sample input shape, e.g. [784] or [1, 28, 28]. */
  inputShape: readonly number[];
  /** Default 13 (the lowest allowed: Softmax/axis semantics of opset 13). */
  opset?: number;
  inputName?: string;
  outputName?: string;
  /** Stored in the model's metadata_props. */
  metadata?: Record<string, string>;
}

const unsupported = (what: string) => new LeptonError('LEPTON_ERR_UNSUPPORTED', `ONNX export: ${what}`);

/** Serialise `model` (a Sequential, or a single layer) to ONNX bytes. */
export function exportOnnx(model: Module, opts: ExportOptions): Uint8Array {
  const opset = opts.opset ?? 13;
  if (opset < 13) throw unsupported(`opset ${opset} is below the supported minimum 13`);
  const spec = model.spec();
  const layers = spec.type === 'sequential' ? spec.layers : [spec];
  const state = model.stateDict();
  const g = new GraphBuilder({ opset, producerName: 'lepton-ts', ...(opts.metadata && { metadata: opts.metadata }) });
  const inputName = opts.inputName ?? 'input';
  const outputName = opts.outputName ?? 'logits';
  let cur = g.input(inputName, 'float32', ['N', ...opts.inputShape]);
  let rank = 1 + opts.inputShape.length;
  const weight = (name: string): string => {
    const t: Tensor | undefined = state.get(name);
    if (!t) throw unsupported(`missing tensor '${name}'`);
    return g.initializer(name, { dtype: 'float32', dims: [...t.shape], data: t.data });
  };
  layers.forEach((l: LayerSpec, i) => {
    const p = `${i}.`;
    const out = i === layers.length - 1 ? [outputName] : undefined;
    switch (l.type) {
      case 'linear':
        if (rank !== 2) throw unsupported(`layer ${i} (linear) gets a rank-${rank} input; add a flatten before it`);
        cur = g.node('Gemm', l.bias === false ? [cur, weight(`${p}weight`)] : [cur, weight(`${p}weight`), weight(`${p}bias`)], { transB: attr.int(1) }, out);
        break;
      case 'conv2d': {
        const k = l.kernelSize;
        const pad = l.padding ?? 0;
        const s = l.stride ?? 1;
        const inputs = [cur, weight(`${p}weight`), ...(l.bias === false ? [] : [weight(`${p}bias`)])];
        cur = g.node('Conv', inputs, { kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]), pads: attr.ints([pad, pad, pad, pad]) }, out);
        break;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const k = l.kernelSize;
        const s = l.stride ?? k;
        const pad = l.padding ?? 0;
        const a = { kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]), pads: attr.ints([pad, pad, pad, pad]) };
        // count_include_pad=1: padding counts in the mean, as in PyTorch's AvgPool2d default.
        cur = l.type === 'maxpool2d' ? g.node('MaxPool', [cur], a, out) : g.node('AveragePool', [cur], { ...a, count_include_pad: attr.int(1) }, out);
        break;
      }
      case 'batchnorm1d':
      case 'batchnorm2d':
        cur = g.node(
          'BatchNormalization',
          [cur, weight(`${p}weight`), weight(`${p}bias`), weight(`${p}running_mean`), weight(`${p}running_var`)],
          { epsilon: attr.float(l.eps ?? 1e-5), momentum: attr.float(1 - (l.momentum ?? 0.1)) },
          out,
        );
        break;
      case 'flatten':
        cur = g.node('Flatten', [cur], { axis: attr.int(1) }, out);
        rank = 2;
        break;
      case 'relu':
        cur = g.node('Relu', [cur], {}, out);
        break;
      case 'sigmoid':
        cur = g.node('Sigmoid', [cur], {}, out);
        break;
      case 'tanh':
        cur = g.node('Tanh', [cur], {}, out);
        break;
      case 'softmax':
        cur = g.node('Softmax', [cur], { axis: attr.int(l.dim ?? 1) }, out);
        break;
      case 'dropout':
        cur = g.node('Identity', [cur], {}, out); // inference graph: dropout is the identity
        break;
      case 'sequential':
        throw unsupported(`nested Sequential at layer ${i}; flatten the layer list`);
    }
  });
  if (layers.length === 0) cur = g.node('Identity', [cur], {}, [outputName]);
  g.output(outputName, 'float32', ['N', ...outputDims(model, opts.inputShape)]);
  return g.toBytes();
}

/** Output dims after the batch, found by running one zero sample through the model in eval mode. */
function outputDims(model: Module, inputShape: readonly number[]): number[] {
  const was = model.training;
  model.eval();
  try {
    return noGrad(() => model.forward(Tensor.zeros([1, ...inputShape])).shape.slice(1));
  } finally {
    model.train(was);
  }
}
