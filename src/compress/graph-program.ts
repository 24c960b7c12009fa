/**
 * A trainable view of an ONNX graph: the float weights its operators declare (the op table's
 * `weightInputs`) become autograd Tensors and its nodes run through the same op table the native
 * engine uses, so pruned or distilled models are fine-tuned in place on the graph itself (any
 * exported MLP/CNN, not only models whose nn source we hold) and written back as ONNX.
 */
import { LeptonError } from '../core/errors.js';
import { isGradEnabled, type Tensor } from '../tensor/index.js';
import { buildModel } from '../onnx/builder.js';
import { f32, findOp, opEntry, valueOf, type OpValue } from '../onnx/ops/op-table.js';
import { toSpec } from '../onnx/quantize-graph.js';
import { readModel } from '../onnx/reader.js';

function trainerError(err: unknown): unknown {
  if (!(err instanceof LeptonError)) return err;
  return new LeptonError(err.code, `graph trainer: ${err.message}`, { cause: err, ...(err.details ? { details: err.details } : {}) });
}

export class GraphProgram {
  readonly spec: ReturnType<typeof toSpec>;
  /** Trainable parameters by initializer name. */
  readonly params = new Map<string, Tensor>();
  private readonly constants = new Map<string, OpValue>();
  readonly inputName: string;
  /** The value used as logits (the input of a trailing Softmax, else the graph output). */
  readonly logitsName: string;

  constructor(modelBytes: Uint8Array) {
    this.spec = toSpec(readModel(modelBytes));
    const input = this.spec.inputs[0];
    if (!input || this.spec.inputs.length !== 1) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'training a graph needs exactly one input');
    this.inputName = input.name;
    const out = this.spec.outputs[0]!.name;
    const last = this.spec.nodes.find((n) => n.outputs.includes(out));
    this.logitsName = last && (last.opType === 'Softmax' || last.opType === 'Identity') ? last.inputs[0]! : out;
    const trainable = new Set<string>();
    for (const n of this.spec.nodes) for (const slot of findOp(n.opType, n.domain)?.weightInputs ?? []) if (n.inputs[slot]) trainable.add(n.inputs[slot]);
    for (const t of this.spec.initializers) {
      if (trainable.has(t.name) && t.dtype === 'float32') {
        // A copy: training writes into it, and toBytes serializes it.
        this.params.set(t.name, valueOf({ ...t, data: Float32Array.from(t.data as Float32Array) }, true).t);
      } else {
        this.constants.set(t.name, valueOf(t));
      }
    }
  }

  /** Forward pass; x is [batch, ...input dims]. Returns the logits tensor. */
  forward(x: Tensor): Tensor {
    const values = new Map<string, OpValue>([[this.inputName, f32(x)]]);
    const get = (name: string): OpValue | undefined => {
      if (name === '') return undefined;
      const p = this.params.get(name);
      const v = values.get(name) ?? (p ? f32(p) : this.constants.get(name));
      if (!v) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `value '${name}' is neither the input, a weight nor computed before it is read`);
      return v;
    };
    for (const n of this.spec.nodes) {
      if (values.has(this.logitsName)) break;
      let outs: OpValue[];
      try {
        const entry = opEntry(n);
        const ins = n.inputs.map(get);
        if (!entry.differentiable && isGradEnabled() && ins.some((v) => v?.t.requiresGrad)) {
          throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `${n.opType} (${n.name ?? ''}) passes no gradient, so the weights before it cannot be trained`, { details: { op: n.opType } });
        }
        outs = entry.run(ins, n);
      } catch (err) {
        throw trainerError(err);
      }
      n.outputs.forEach((name, k) => {
        const v = outs[k];
        if (name !== '' && v) values.set(name, v);
      });
    }
    const logits = values.get(this.logitsName);
    if (!logits) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `graph trainer: the graph does not compute '${this.logitsName}'`);
    return logits.t;
  }

  /** Serialize with the current parameter values. */
  toBytes(metadata: Record<string, string> = {}): Uint8Array {
    const spec = { ...this.spec, metadata: { ...this.spec.metadata, ...metadata } };
    spec.initializers = this.spec.initializers.map((t) => {
      const p = this.params.get(t.name);
      return p ? { ...t, data: Float32Array.from(p.data) } : t;
    });
    return buildModel(spec);
  }
}
