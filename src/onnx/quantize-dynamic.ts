/**
 * Dynamic int8 quantization of an ONNX graph, in TypeScript (no Python tooling): weights become int8
 * per output channel; activations are quantized to uint8 at run time by DynamicQuantizeLinear.
 * The MatMul pattern (DQL → MatMulInteger → Cast → Mul(scale) → Add(bias)) is the one onnxruntime
 * fuses into MatMulIntegerToFloat, so no com.microsoft op is written and the graph stays standard.
 */
import { LeptonError } from '../core/errors.js';
import { attr, buildModel, type NodeSpec } from './builder.js';
import { attrFloat } from './ops/attributes.js';
import { readModel } from './reader.js';
import {
  dropUnusedInitializers,
  atLeastOpset,
  channelOf,
  quantizePerChannel,
  toSpec,
  weightedNodes,
  weightKN,
  int8WeightDequantizer,
  type QuantizeResult,
  type WeightedNode,
} from './quantize-graph.js';

export interface DynamicQuantizeOptions {
  /**
   * How Conv layers are treated. 'weight-only' (default): int8 per-channel weights behind a
   * DequantizeLinear, computed in float, because onnxruntime 1.30's ConvInteger kernel measured
   * ~30× slower than its float Conv on small CNNs here. 'integer': ConvInteger. 'none': left float.
   */
  conv?: 'weight-only' | 'integer' | 'none';
  /** Leave layers with fewer weights than this in float (tiny layers gain nothing). Default 0. */
  minWeights?: number;
}

/** Rewrite MatMul/Gemm (and Conv) with constant weights to dynamic int8. */
export function quantizeDynamic(modelBytes: Uint8Array, options: DynamicQuantizeOptions = {}): QuantizeResult {
  const spec = toSpec(readModel(modelBytes));
  atLeastOpset(spec, 13);
  const wns = weightedNodes(spec);
  const quantized: string[] = [];
  const skipped: QuantizeResult['skipped'] = [];
  const dql = new Map<string, [string, string, string]>(); // float activation → [q, scale, zero point]
  const used = new Set(spec.nodes.flatMap((n) => [...n.inputs, ...n.outputs]).concat(spec.initializers.map((t) => t.name)));
  let counter = 0;
  const fresh = (p: string): string => {
    let name = `${p}_dq${counter++}`;
    while (used.has(name)) name = `${p}_dq${counter++}`;
    used.add(name);
    return name;
  };
  const replacement = new Map<NodeSpec, NodeSpec[]>();

  const quantizeInput = (x: string, out: NodeSpec[]): [string, string, string] => {
    const hit = dql.get(x);
    if (hit) return hit;
    const names: [string, string, string] = [fresh(`${x}_q`), fresh(`${x}_scale`), fresh(`${x}_zero_point`)];
    out.push({ opType: 'DynamicQuantizeLinear', inputs: [x], outputs: names, name: fresh('DynamicQuantizeLinear') });
    dql.set(x, names);
    return names;
  };

  for (const wn of wns) {
    const name = wn.node.name ?? wn.node.opType;
    if (wn.kind === 'conv' && options.conv === 'none') {
      skipped.push({ node: name, reason: 'conv quantization disabled' });
      continue;
    }
    if (wn.weight.data.length < (options.minWeights ?? 0)) {
      skipped.push({ node: name, reason: `only ${wn.weight.data.length} weights` });
      continue;
    }
    if (wn.kind === 'gemm' && (attrFloat(wn.node, 'alpha', 1) !== 1 || attrFloat(wn.node, 'beta', 1) !== 1)) {
      skipped.push({ node: name, reason: 'Gemm with alpha/beta ≠ 1' });
      continue;
    }
    const nodes: NodeSpec[] = [];
    if (wn.kind === 'conv' && options.conv === 'integer') emitConv(wn, spec, nodes, fresh, quantizeInput);
    else if (wn.kind === 'conv') emitWeightOnly(wn, spec, nodes, fresh);
    else emitMatMul(wn, spec, nodes, fresh, quantizeInput);
    replacement.set(wn.node, nodes);
    quantized.push(name);
  }
  if (quantized.length === 0) {
    throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'int8-dynamic: the model has no MatMul, Gemm or Conv with constant float32 weights to quantize');
  }
  spec.nodes = spec.nodes.flatMap((n) => replacement.get(n) ?? [n]);
  dropUnusedInitializers(spec);
  spec.metadata = { ...spec.metadata, 'lepton.compress': 'int8-dynamic' };
  return { bytes: buildModel(spec), quantized, skipped };
}

type Spec = ReturnType<typeof toSpec>;
type Fresh = (p: string) => string;
type QuantizeInput = (x: string, out: NodeSpec[]) => [string, string, string];

function emitMatMul(wn: WeightedNode, spec: Spec, out: NodeSpec[], fresh: Fresh, quantizeInput: QuantizeInput): void {
  const { k, n, data } = weightKN(wn);
  const { q, scales } = quantizePerChannel(data, n, (i) => i % n);
  const wq = fresh(`${wn.weight.name}_int8`);
  const ws = fresh(`${wn.weight.name}_scale`);
  spec.initializers.push({ name: wq, dtype: 'int8', dims: [k, n], data: q }, { name: ws, dtype: 'float32', dims: [n], data: scales });
  const [xq, xs, xz] = quantizeInput(wn.node.inputs[0]!, out);
  const acc = fresh('acc');
  out.push({ opType: 'MatMulInteger', inputs: [xq, wq, xz], outputs: [acc], name: fresh('MatMulInteger') });
  const accF = fresh('acc_f');
  out.push({ opType: 'Cast', inputs: [acc], outputs: [accF], attrs: { to: attr.int(1) }, name: fresh('Cast') });
  const scale = fresh('scale');
  out.push({ opType: 'Mul', inputs: [xs, ws], outputs: [scale], name: fresh('Mul') });
  const bias = wn.kind === 'gemm' ? wn.node.inputs[2] : undefined;
  const y = wn.node.outputs[0]!;
  if (bias) {
    const scaled = fresh('scaled');
    out.push({ opType: 'Mul', inputs: [accF, scale], outputs: [scaled], name: fresh('Mul') });
    out.push({ opType: 'Add', inputs: [scaled, bias], outputs: [y], name: fresh('Add') });
  } else {
    out.push({ opType: 'Mul', inputs: [accF, scale], outputs: [y], name: fresh('Mul') });
  }
}

/** int8 weights with per-channel scales, dequantized in the graph; the op itself stays float. */
function emitWeightOnly(wn: WeightedNode, spec: Spec, out: NodeSpec[], fresh: Fresh): void {
  const { node: dq } = int8WeightDequantizer(wn, spec, fresh, 0);
  out.push(dq);
  out.push({ ...wn.node, inputs: [wn.node.inputs[0]!, dq.outputs[0]!, ...wn.node.inputs.slice(2)] });
}

/** ConvInteger takes only a per-tensor weight zero point; symmetric int8 keeps it 0, so per-channel scales still apply after. */
function emitConv(wn: WeightedNode, spec: Spec, out: NodeSpec[], fresh: Fresh, quantizeInput: QuantizeInput): void {
  const cout = wn.outChannels;
  const { q, scales } = quantizePerChannel(wn.weight.data as Float32Array, cout, channelOf(wn));
  const wq = fresh(`${wn.weight.name}_int8`);
  const wz = fresh(`${wn.weight.name}_zero_point`);
  const ws = fresh(`${wn.weight.name}_scale`);
  const spatial = wn.weight.dims.length - 2;
  const bshape = [1, cout, ...Array<number>(spatial).fill(1)]; // broadcast over [N, Cout, H, W]
  spec.initializers.push(
    { name: wq, dtype: 'int8', dims: [...wn.weight.dims], data: q },
    { name: wz, dtype: 'int8', dims: [], data: new Int8Array(1) },
    { name: ws, dtype: 'float32', dims: bshape, data: scales },
  );
  const [xq, xs, xz] = quantizeInput(wn.node.inputs[0]!, out);
  const acc = fresh('acc');
  const attrs = { ...wn.node.attrs };
  out.push({ opType: 'ConvInteger', inputs: [xq, wq, xz, wz], outputs: [acc], attrs, name: fresh('ConvInteger') });
  const accF = fresh('acc_f');
  out.push({ opType: 'Cast', inputs: [acc], outputs: [accF], attrs: { to: attr.int(1) }, name: fresh('Cast') });
  const scale = fresh('scale');
  out.push({ opType: 'Mul', inputs: [xs, ws], outputs: [scale], name: fresh('Mul') });
  const bias = wn.node.inputs[2];
  const y = wn.node.outputs[0]!;
  if (bias) {
    const b = spec.initializers.find((t) => t.name === bias);
    const scaled = fresh('scaled');
    out.push({ opType: 'Mul', inputs: [accF, scale], outputs: [scaled], name: fresh('Mul') });
    let biasName = bias;
    if (b && b.dims.length === 1) {
      // Conv's bias is [Cout]; an Add needs it shaped to broadcast over [N, Cout, H, W].
      biasName = fresh(`${bias}_bcast`);
      spec.initializers.push({ name: biasName, dtype: b.dtype, dims: bshape, data: b.data });
    }
    out.push({ opType: 'Add', inputs: [scaled, biasName], outputs: [y], name: fresh('Add') });
  } else {
    out.push({ opType: 'Mul', inputs: [accF, scale], outputs: [y], name: fresh('Mul') });
  }
}

