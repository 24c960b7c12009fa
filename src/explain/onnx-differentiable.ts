/**
 * An ONNX graph as a Differentiable: the nodes run through the one op table (as in the native
 * engine) but with autograd on, so the input's gradient flows back through every operator. The
 * logits are the input of a trailing Softmax (attributions of probabilities saturate). Weights are
 * constants here: only the input needs a gradient. Operators that pass no gradient (quantized
 * ones) are refused with LEPTON_ERR_UNSUPPORTED rather than silently giving zero attributions.
 */
import { LeptonError } from '../core/errors.js';
import { type Tensor } from '../tensor/index.js';
import { f32, missingOps, opEntry, valueOf, type OpEntry, type OpValue } from '../onnx/ops/op-table.js';
import { readModel, type OnnxNode } from '../onnx/reader.js';
import { type Differentiable } from './differentiable.js';

export interface OnnxDifferentiable extends Differentiable {
  readonly inputName: string;
  readonly logitsName: string;
}

export interface OnnxExplainOptions {
  /** Per-sample input shape, for graphs whose input dims (other than the batch) are symbolic. */
  inputShape?: readonly number[];
  /** The sample as an image [C, H, W] (see Differentiable.imageShape). */
  imageShape?: readonly [number, number, number];
}

/** Load a graph for explanation. */
export function onnxDifferentiable(bytes: Uint8Array, opts: OnnxExplainOptions = {}): OnnxDifferentiable {
  const inputShape = opts.inputShape;
  const m = readModel(bytes);
  const missing = missingOps(m.graph.nodes);
  if (missing.length > 0) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `explanations run on the native engine, which does not support operator(s) ${missing.join(', ')}`, { details: { ops: missing } });
  const input = m.graph.inputs[0];
  if (!input || m.graph.inputs.length !== 1) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'explanations need a model with exactly one input');
  const declared = input.shape.slice(1);
  const shape = inputShape ?? declared.map((d) => (typeof d === 'number' && d > 0 ? d : NaN));
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `input '${input.name}' has symbolic dims [${declared.join(', ')}]; give the input shape`);
  }
  const out = m.graph.outputs[0]!.name;
  const last = m.graph.nodes.find((n) => n.outputs.includes(out));
  const logitsName = last && (last.opType === 'Softmax' || last.opType === 'Identity') ? last.inputs[0]! : out;
  const constants = new Map<string, OpValue>();
  for (const [name, t] of m.graph.initializers) constants.set(name, valueOf(t));
  const steps: Array<{ node: OnnxNode; entry: OpEntry }> = m.graph.nodes.map((node) => ({ node, entry: opEntry(node) }));

  const forward = (x: Tensor): Tensor => {
    const env = new Map<string, OpValue>(constants);
    env.set(input.name, f32(x));
    for (const { node, entry } of steps) {
      if (env.has(logitsName)) break;
      const ins = node.inputs.map((n) => (n === '' ? undefined : env.get(n)));
      if (!entry.differentiable && ins.some((v) => v?.t.requiresGrad)) {
        throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `${node.opType} (${node.name}) passes no gradient, so input attributions cannot be computed through it`, { details: { op: node.opType } });
      }
      let outs: OpValue[];
      try {
        outs = entry.run(ins, node);
      } catch (err) {
        if (err instanceof LeptonError) throw new LeptonError(err.code, `explain: ${err.message}`, { cause: err });
        throw err;
      }
      node.outputs.forEach((name, k) => {
        const v = outs[k];
        if (name !== '' && v) env.set(name, v);
      });
    }
    const v = env.get(logitsName);
    if (!v) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `explain: the graph does not compute '${logitsName}'`);
    return v.t;
  };
  return { inputShape: shape as number[], ...(opts.imageShape && { imageShape: opts.imageShape }), inputName: input.name, logitsName, forward };
}
