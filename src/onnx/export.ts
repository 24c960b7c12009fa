/**
 * Export an nn model (a Sequential spec plus its state dict) to ONNX through the graph builder:
 * input `input` [N, ...inputShape] with a symbolic batch, output `logits`, default opset 13.
 * Every layer maps to standard ops so onnxruntime (and any ONNX consumer) runs it as is; how each
 * layer type maps is its entry in export-registry.ts.
 */
import { Tensor, noGrad } from '../tensor/index.js';
import { type Module, type LayerSpec } from '../nn/index.js';
import { GraphBuilder } from './builder.js';
import { layerExporter, unsupported, type ExportStep } from './export-registry.js';

export interface ExportOptions {
  /** Per-sample input shape, e.g. [784] or [1, 28, 28]. */
  inputShape: readonly number[];
  /** Default 13 (the lowest allowed: Softmax/axis semantics of opset 13); 14 for models with recurrent layers. */
  opset?: number;
  inputName?: string;
  outputName?: string;
  /** Stored in the model's metadata_props. */
  metadata?: Record<string, string>;
}

/** Serialise `model` (a Sequential, or a single layer) to ONNX bytes. */
export function exportOnnx(model: Module, opts: ExportOptions): Uint8Array {
  const spec = model.spec();
  const layers: LayerSpec[] = spec.type === 'sequential' ? spec.layers : [spec];
  // Recurrent layers default to opset 14, where RNN/LSTM/GRU have their current definitions (layout attribute).
  const recurrent = (ls: readonly LayerSpec[]): boolean => ls.some((l) => l.type === 'rnn' || l.type === 'lstm' || l.type === 'gru' || (l.type === 'ar_highway' && recurrent(l.body)));
  const opset = opts.opset ?? (recurrent(layers) ? 14 : 13);
  if (opset < 13) throw unsupported(`opset ${opset} is below the supported minimum 13`);
  const state = model.stateDict();
  const g = new GraphBuilder({ opset, producerName: 'lepton-ts', ...(opts.metadata && { metadata: opts.metadata }) });
  const inputName = opts.inputName ?? 'input';
  const outputName = opts.outputName ?? 'logits';
  const input = g.input(inputName, 'float32', ['N', ...opts.inputShape]);
  // State-dict names: "0.weight" inside a Sequential, plain "weight" for a single layer.
  let cur = emitLayers(g, state, layers, input, 1 + opts.inputShape.length, (i) => (spec.type === 'sequential' ? `${i}.` : ''), [outputName]);
  if (layers.length === 0) cur = g.node('Identity', [cur], {}, [outputName]);
  g.output(outputName, 'float32', ['N', ...outputDims(model, opts.inputShape)]);
  return g.toBytes();
}

/**
 * Add `layers` in order from `input` (rank `rank`, batch included); layer i's tensors are
 * `prefixOf(i)` + name in `state`; the last layer writes `outputs` (if given). Layers holding a
 * nested list (ar_highway's body) call back through `step.layers`.
 */
function emitLayers(g: GraphBuilder, state: Map<string, Tensor>, layers: readonly LayerSpec[], input: string, rank: number, prefixOf: (i: number) => string, outputs: string[] | undefined): string {
  let cur = input;
  layers.forEach((l, i) => {
    const prefix = prefixOf(i);
    const exporter = layerExporter(l.type);
    const step: ExportStep = {
      g,
      input: cur,
      rank,
      index: i,
      outputs: i === layers.length - 1 ? outputs : undefined,
      weight: (name) => {
        const t: Tensor | undefined = state.get(prefix + name);
        if (!t) throw unsupported(`missing tensor '${prefix + name}'`);
        return g.initializer(prefix + name, { dtype: 'float32', dims: [...t.shape], data: t.data });
      },
      tensor: (name) => {
        const t: Tensor | undefined = state.get(prefix + name);
        if (!t) throw unsupported(`missing tensor '${prefix + name}'`);
        return t;
      },
      prefix,
      layers: (sub, from, fromRank, subPrefix, outs) => emitLayers(g, state, sub, from, fromRank, (j) => `${prefix}${subPrefix}${j}.`, outs),
    };
    cur = exporter.emit(l, step);
    rank = exporter.outRank?.(rank) ?? rank;
  });
  return cur;
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
