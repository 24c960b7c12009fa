/**
 * Shared plumbing for the graph rewrites (quantize, fp16, prune): turn a parsed model back into a
 * builder spec, find the weight-carrying nodes, and quantize weight tensors per output channel.
 */
import { LeptonError } from '../core/errors.js';
import { type ModelSpec, type NodeSpec, type TensorInit } from './builder.js';
import { attrInt } from './ops/attributes.js';
import { type OnnxModel, type OnnxNode, type OnnxTensor } from './reader.js';

/** A parsed model converted to the builder's spec, ready to edit and re-serialize with buildModel. */
export function toSpec(model: OnnxModel): ModelSpec & { initializers: Array<TensorInit & { name: string }>; nodes: NodeSpec[] } {
  const extraOpsets: Record<string, number> = {};
  for (const [d, v] of Object.entries(model.opsets)) if (d !== '' && d !== 'ai.onnx') extraOpsets[d] = v;
  return {
    graphName: model.graph.name,
    opset: model.opsets[''] ?? model.opsets['ai.onnx'] ?? 13,
    extraOpsets,
    producerName: model.producerName || 'lepton-ts',
    producerVersion: model.producerVersion || '0.1.0',
    metadata: { ...model.metadata },
    inputs: model.graph.inputs.map((v) => ({ ...v, shape: [...v.shape] })),
    outputs: model.graph.outputs.map((v) => ({ ...v, shape: [...v.shape] })),
    initializers: [...model.graph.initializers.values()].map((t) => ({ name: t.name, dtype: t.dtype, dims: [...t.dims], data: t.data })),
    nodes: model.graph.nodes.map(toNodeSpec),
  };
}

export function toNodeSpec(n: OnnxNode): NodeSpec {
  return { name: n.name, opType: n.opType, domain: n.domain, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } };
}

/** value name → the nodes that read it. */
export function consumers(nodes: readonly NodeSpec[]): Map<string, NodeSpec[]> {
  const m = new Map<string, NodeSpec[]>();
  for (const n of nodes) {
    for (const i of n.inputs) {
      if (i === '') continue;
      const list = m.get(i) ?? [];
      list.push(n);
      m.set(i, list);
    }
  }
  return m;
}

/** value name → the node that writes it. */
export function producers(nodes: readonly NodeSpec[]): Map<string, NodeSpec> {
  const m = new Map<string, NodeSpec>();
  for (const n of nodes) for (const o of n.outputs) m.set(o, n);
  return m;
}

/**
 * A node whose weight is a constant float32 initializer we can rewrite: MatMul (W [K, N]),
 * Gemm (W [N, K] when transB=1, else [K, N]; transA must be 0) and Conv (W [Cout, Cin/g, kh, kw]).
 */
export interface WeightedNode {
  node: NodeSpec;
  kind: 'matmul' | 'gemm' | 'conv';
  weight: OnnxTensor;
  /** Number of output channels (N for MatMul/Gemm, Cout for Conv). */
  outChannels: number;
}

export function weightedNodes(spec: ReturnType<typeof toSpec>): WeightedNode[] {
  const inits = new Map(spec.initializers.map((t) => [t.name, t]));
  const found: WeightedNode[] = [];
  for (const node of spec.nodes) {
    if (node.domain && node.domain !== 'ai.onnx') continue;
    const w = inits.get(node.inputs[1] ?? '');
    if (!w || w.dtype !== 'float32') continue;
    const weight = w as OnnxTensor;
    if (node.opType === 'MatMul' && w.dims.length === 2) {
      found.push({ node, kind: 'matmul', weight, outChannels: w.dims[1]! });
    } else if (node.opType === 'Gemm' && w.dims.length === 2 && attrInt(node, 'transA', 0) === 0) {
      found.push({ node, kind: 'gemm', weight, outChannels: attrInt(node, 'transB', 0) ? w.dims[0]! : w.dims[1]! });
    } else if (node.opType === 'Conv' && w.dims.length >= 3) {
      found.push({ node, kind: 'conv', weight, outChannels: w.dims[0]! });
    }
  }
  return found;
}

/** Channel index of flat weight element `i` for a weighted node (the axis quantization scales run along). */
export function channelOf(wn: WeightedNode): (i: number) => number {
  const dims = wn.weight.dims;
  if (wn.kind === 'conv') {
    const per = dims.slice(1).reduce((a, b) => a * b, 1);
    return (i) => Math.floor(i / per);
  }
  if (wn.kind === 'gemm' && attrInt(wn.node, 'transB', 0)) return (i) => Math.floor(i / dims[1]!);
  return (i) => i % dims[1]!;
}

/** Weight of a MatMul/Gemm as [K, N] row-major (transposing Gemm's transB=1 layout). */
export function weightKN(wn: WeightedNode): { k: number; n: number; data: Float32Array } {
  const w = wn.weight.data as Float32Array;
  const [d0, d1] = [wn.weight.dims[0]!, wn.weight.dims[1]!];
  if (wn.kind === 'gemm' && attrInt(wn.node, 'transB', 0)) {
    const t = new Float32Array(w.length); // [K=d1, N=d0]
    for (let o = 0; o < d0; o++) for (let i = 0; i < d1; i++) t[i * d0 + o] = w[o * d1 + i]!;
    return { k: d1, n: d0, data: t };
  }
  if (wn.kind === 'conv') throw new LeptonError('LEPTON_ERR_INTERNAL', 'weightKN called on a Conv');
  return { k: d0, n: d1, data: w };
}

export interface PerChannelInt8 {
  q: Int8Array;
  /** [channels] scale per output channel; zero point is 0 (symmetric). */
  scales: Float32Array;
}

/**
 * Symmetric int8 quantization with one scale per channel: scale = max|w| / 127, q = round(w / scale).
 * The range is [-127, 127] (not -128) so that negation is exact and the u8×s8 kernels cannot saturate
 * their 16-bit intermediate sums on the -128·255 corner.
 */
export function quantizePerChannel(data: Float32Array, channels: number, channelOfIndex: (i: number) => number): PerChannelInt8 {
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = channelOfIndex(i);
    const a = Math.abs(data[i]!);
    if (a > maxAbs[c]!) maxAbs[c] = a;
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = maxAbs[c]! > 0 ? maxAbs[c]! / 127 : 1;
  const q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.round(data[i]! / scales[channelOfIndex(i)]!);
    q[i] = v > 127 ? 127 : v < -127 ? -127 : v;
  }
  return { q, scales };
}

/**
 * Number of model parameters: elements of the weight and bias initializers, whatever their storage
 * (float32, float16, int8, int32 bias), excluding shapes and the scales/zero points quantization adds.
 */
export function paramCount(model: OnnxModel): number {
  const aux = new Set<string>();
  const dqlScales = new Set<string>();
  for (const n of model.graph.nodes) {
    if (n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear') n.inputs.slice(1).forEach((i) => aux.add(i));
    if (n.opType === 'MatMulInteger' || n.opType === 'ConvInteger') n.inputs.slice(2).forEach((i) => aux.add(i));
    if (n.opType === 'DynamicQuantizeLinear') dqlScales.add(n.outputs[1] ?? '');
  }
  for (const n of model.graph.nodes) {
    if (n.opType === 'Mul' && n.inputs.some((i) => dqlScales.has(i))) n.inputs.forEach((i) => aux.add(i));
  }
  let count = 0;
  for (const t of model.graph.initializers.values()) {
    if (t.dtype === 'int64' || t.dtype === 'bool' || aux.has(t.name) || t.dims.length === 0) continue;
    count += t.data.length;
  }
  return count;
}

/** Fraction of exact zeros among weight tensors (rank ≥ 2 parameter initializers, any storage type). */
export function weightZeroFraction(model: OnnxModel): number {
  let zeros = 0;
  let total = 0;
  for (const t of model.graph.initializers.values()) {
    if (t.dims.length < 2 || t.dtype === 'int64' || t.dtype === 'bool') continue;
    // float16 zero is bit pattern 0 or 0x8000; for every other type the value itself.
    for (const v of t.data as Iterable<number | bigint>) if (v === 0 || v === 0n || (v === 0x8000 && t.dtype === 'float16')) zeros++;
    total += t.data.length;
  }
  return total === 0 ? 0 : zeros / total;
}

/** Default-domain opset the rewrite needs (per-channel DequantizeLinear needs 13). */
export function atLeastOpset(spec: ModelSpec, min: number): void {
  if ((spec.opset ?? 13) < min) spec.opset = min;
}

export interface QuantizeResult {
  bytes: Uint8Array;
  /** Names of the nodes that were rewritten. */
  quantized: string[];
  /** Nodes left in float, with the reason. */
  skipped: Array<{ node: string; reason: string }>;
}

/** Remove initializers no node reads any more (the float weights that were replaced). */
export function dropUnusedInitializers(spec: ModelSpec & { initializers: Array<TensorInit & { name: string }>; nodes: NodeSpec[] }): void {
  const read = new Set(spec.nodes.flatMap((n) => n.inputs));
  for (const o of spec.outputs) read.add(o.name);
  spec.initializers = spec.initializers.filter((t) => read.has(t.name));
}

/**
 * Add a per-channel int8 copy of `wn`'s weight (scales, zero points) to `spec` and return the
 * DequantizeLinear node that restores it in float, with the scales (static int8 derives bias scales from them).
 */
export function int8WeightDequantizer(
  wn: WeightedNode,
  spec: { initializers: Array<TensorInit & { name: string }> },
  fresh: (prefix: string) => string,
  axis: number,
): { node: NodeSpec; scales: Float32Array } {
  const c = wn.outChannels;
  const { q, scales } = quantizePerChannel(wn.weight.data as Float32Array, c, channelOf(wn));
  const wq = fresh(`${wn.weight.name}_int8`);
  const ws = fresh(`${wn.weight.name}_scale`);
  const wz = fresh(`${wn.weight.name}_zero_point`);
  const wdq = fresh(`${wn.weight.name}_dequantized`);
  spec.initializers.push(
    { name: wq, dtype: 'int8', dims: [...wn.weight.dims], data: q },
    { name: ws, dtype: 'float32', dims: [c], data: scales },
    { name: wz, dtype: 'int8', dims: [c], data: new Int8Array(c) },
  );
  const node: NodeSpec = { opType: 'DequantizeLinear', inputs: [wq, ws, wz], outputs: [wdq], attrs: { axis: { type: 'int', value: axis } }, name: fresh('DequantizeLinear') };
  return { node, scales };
}
