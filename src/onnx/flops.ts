/**
 * Count the work of one forward pass of an ONNX graph, per sample: multiply-accumulates of the
 * matrix ops (Conv, ConvInteger, Gemm, MatMul, MatMulInteger, recurrent cells) and one op per
 * output element for everything else. Shapes come from running the graph once on a zero batch of
 * one through the op table, so every operator the native engine runs is counted with its real
 * shapes, whatever produced the graph. FLOPs are reported as 2 × MACs + the elementwise ops.
 */
import { LeptonError } from '../core/errors.js';
import { Tensor, noGrad } from '../tensor/index.js';
import { readModel } from './reader.js';
import { opEntry, valueOf, type OpValue } from './ops/op-table.js';
import { attrInt } from './ops/attributes.js';

export interface GraphCost {
  /** Multiply-accumulates of the matrix ops, per sample. */
  macs: number;
  /** 2 × macs plus one op per output element of the other nodes, per sample. */
  flops: number;
  /** Trainable-size values: the element count of every float initializer. */
  parameters: number;
  /** MACs by operator type, for the report. */
  byOp: Record<string, number>;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** MACs of one node from its input and output shapes; undefined for the non-matrix ops. */
function nodeMacs(opType: string, ins: ReadonlyArray<readonly number[] | undefined>, out: readonly number[], node: Parameters<typeof attrInt>[0]): number | undefined {
  switch (opType) {
    case 'Conv':
    case 'ConvInteger': {
      const w = ins[1]!; // [O, C/group, kh, kw]: each output element sums C/group·kh·kw products
      return size(out) * size(w.slice(1));
    }
    case 'Gemm': {
      const a = ins[0]!;
      const k = attrInt(node, 'transA', 0) ? a[0]! : a[1]!;
      return size(out) * k;
    }
    case 'MatMul':
    case 'MatMulInteger': {
      const a = ins[0]!;
      return size(out) * a[a.length - 1]!;
    }
    case 'RNN':
    case 'LSTM':
    case 'GRU': {
      const w = ins[1]!; // [dirs, gates·H, in]; r [dirs, gates·H, H]; per time step and sample
      const r = ins[2]!;
      const steps = ins[0]![0]!;
      return steps * (size(w) + size(r));
    }
    default:
      return undefined;
  }
}

/** The per-sample cost of `model`; the first graph input's symbolic dims are set to 1. */
export function graphCost(model: Uint8Array): GraphCost {
  const m = readModel(model);
  const env = new Map<string, OpValue>();
  let parameters = 0;
  for (const [name, t] of m.graph.initializers) {
    env.set(name, valueOf(t));
    if (t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'int8' || t.dtype === 'uint8') parameters += size(t.dims);
  }
  for (const input of m.graph.inputs) {
    if (env.has(input.name)) continue;
    const dims = input.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    env.set(input.name, { t: Tensor.zeros(dims), dtype: 'float32' });
  }
  const byOp: Record<string, number> = {};
  let macs = 0;
  let other = 0;
  noGrad(() => {
    for (const node of m.graph.nodes) {
      const ins = node.inputs.map((n) => (n === '' ? undefined : env.get(n)));
      const outs = opEntry(node).run(ins, node);
      node.outputs.forEach((name, k) => {
        if (name !== '' && outs[k]) env.set(name, outs[k]);
      });
      const out = outs[0];
      if (!out) throw new LeptonError('LEPTON_ERR_ENGINE', `flop count: ${node.opType} (${node.name}) produced no output`);
      const c = nodeMacs(node.opType, ins.map((v) => v?.t.shape), out.t.shape, node);
      if (c === undefined) other += out.t.size;
      else {
        macs += c;
        byOp[node.opType] = (byOp[node.opType] ?? 0) + c;
      }
    }
  });
  return { macs, flops: 2 * macs + other, parameters, byOp };
}
