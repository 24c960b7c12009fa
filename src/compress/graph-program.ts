/**
 * A trainable view of an ONNX graph: the graph's float initializers become autograd Tensors and
 * its nodes run as tensor ops, so pruned or distilled models are fine-tuned in place on the graph
 * itself (any exported MLP/CNN, not only models whose nn source we hold) and written back as ONNX.
 */
import { LeptonError } from '../core/errors.js';
import {
  Tensor,
  add,
  avgPool2d,
  conv2d,
  div,
  flatten,
  linear,
  matmul,
  maxPool2d,
  mul,
  relu,
  reshape,
  sigmoid,
  sub,
  tanh,
  transpose,
} from '../tensor/index.js';
import { buildModel, type NodeSpec } from '../onnx/builder.js';
import { readModel } from '../onnx/reader.js';
import { intAttr, floatAttr, toSpec } from '../onnx/quantize-graph.js';

const TRAINABLE_SLOTS: Record<string, number[]> = { Gemm: [1, 2], MatMul: [1], Conv: [1, 2], Add: [0, 1] };

function ints(n: NodeSpec, name: string): number[] | undefined {
  const a = n.attrs?.[name];
  return a && a.type === 'ints' ? a.value : undefined;
}

export class GraphProgram {
  readonly spec: ReturnType<typeof toSpec>;
  /** Trainable parameters by initializer name. */
  readonly params = new Map<string, Tensor>();
  private readonly constants = new Map<string, Tensor>();
  private readonly shapes = new Map<string, number[]>();
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
    for (const n of this.spec.nodes) for (const slot of TRAINABLE_SLOTS[n.opType] ?? []) if (n.inputs[slot]) trainable.add(n.inputs[slot]);
    for (const t of this.spec.initializers) {
      if (t.dtype === 'int64' || t.dtype === 'int32') {
        this.shapes.set(t.name, Array.from(t.data as ArrayLike<number | bigint>, Number));
      } else if (t.dtype === 'float32') {
        const tensor = new Tensor(Float32Array.from(t.data as Float32Array), [...t.dims], trainable.has(t.name));
        (trainable.has(t.name) ? this.params : this.constants).set(t.name, tensor);
      }
    }
  }

  /** Forward pass; x is [batch, ...input dims]. Returns the logits tensor. */
  forward(x: Tensor): Tensor {
    const values = new Map<string, Tensor>([[this.inputName, x]]);
    const get = (name: string): Tensor => {
      const v = values.get(name) ?? this.params.get(name) ?? this.constants.get(name);
      if (!v) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `graph trainer: value '${name}' is not a float tensor it can compute`);
      return v;
    };
    for (const n of this.spec.nodes) {
      if (values.has(this.logitsName)) break;
      values.set(n.outputs[0]!, this.run(n, get));
    }
    return get(this.logitsName);
  }

  private run(n: NodeSpec, get: (name: string) => Tensor): Tensor {
    const a = (): Tensor => get(n.inputs[0]!);
    switch (n.opType) {
      case 'Gemm': {
        if (intAttr(n, 'transA', 0) !== 0 || floatAttr(n, 'alpha', 1) !== 1 || floatAttr(n, 'beta', 1) !== 1) break;
        const w = get(n.inputs[1]!);
        const b = n.inputs[2] ? get(n.inputs[2]) : null;
        if (intAttr(n, 'transB', 0)) {
          const fused = b !== null && b.ndim === 1;
          const y = linear(a(), w, fused ? b : null); // W [out, in]
          return b && !fused ? add(y, b) : y;
        }
        const y = matmul(a(), w); // W [in, out]
        return b ? add(y, b) : y;
      }
      case 'MatMul':
        return matmul(a(), get(n.inputs[1]!));
      case 'Add':
        return add(a(), get(n.inputs[1]!));
      case 'Sub':
        return sub(a(), get(n.inputs[1]!));
      case 'Mul':
        return mul(a(), get(n.inputs[1]!));
      case 'Div':
        return div(a(), get(n.inputs[1]!));
      case 'Relu':
        return relu(a());
      case 'Sigmoid':
        return sigmoid(a());
      case 'Tanh':
        return tanh(a());
      case 'Identity':
      case 'Dropout':
        return a();
      case 'Flatten':
        if (intAttr(n, 'axis', 1) === 1) return flatten(a());
        break;
      case 'Reshape': {
        const x = a();
        const target = this.shapes.get(n.inputs[1] ?? '');
        if (!target) break;
        return reshape(x, target.map((d, i) => (d === 0 ? x.shape[i]! : d)));
      }
      case 'Transpose':
        return transpose(a(), ints(n, 'perm'));
      case 'Conv': {
        const pads = ints(n, 'pads') ?? [0, 0, 0, 0];
        const strides = ints(n, 'strides') ?? [1, 1];
        if (intAttr(n, 'group', 1) !== 1 || pads[0] !== pads[2] || pads[1] !== pads[3] || (ints(n, 'dilations') ?? [1, 1]).some((d) => d !== 1)) break;
        const b = n.inputs[2] ? get(n.inputs[2]) : null;
        return conv2d(a(), get(n.inputs[1]!), b, { stride: [strides[0]!, strides[1]!], padding: [pads[0]!, pads[1]!] });
      }
      case 'MaxPool':
      case 'AveragePool': {
        const k = ints(n, 'kernel_shape')!;
        const s = ints(n, 'strides') ?? k;
        const p = ints(n, 'pads') ?? [0, 0, 0, 0];
        const opts = { kernel: [k[0]!, k[1]!] as [number, number], stride: [s[0]!, s[1]!] as [number, number], padding: [p[0]!, p[1]!] as [number, number] };
        return n.opType === 'MaxPool' ? maxPool2d(a(), opts) : avgPool2d(a(), opts);
      }
    }
    throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `graph trainer: ${n.opType} (with these attributes) is not supported for fine-tuning`);
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
