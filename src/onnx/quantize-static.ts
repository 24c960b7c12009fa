/**
 * Static int8 quantization in QDQ form: QuantizeLinear→DequantizeLinear pairs on calibrated
 * activations (uint8, asymmetric), DequantizeLinear on int8 per-channel weights and int32 biases.
 * The graph stays standard ONNX; onnxruntime fuses DQ→op→Q groups into QLinear/QGemm kernels.
 */
import { LeptonError } from '../core/errors.js';
import { buildModel, type NodeSpec } from './builder.js';
import { readModel } from './reader.js';
import { attrFloat, attrInt } from './ops/attributes.js';
import { atLeastOpset, dropUnusedInitializers, consumers, int8WeightDequantizer, toSpec, weightedNodes, type QuantizeResult } from './quantize-graph.js';

const SAME_RANGE_OPS = new Set(['MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Identity', 'Dropout', 'Squeeze', 'Unsqueeze']);

/** Observed range of one activation tensor. */
export interface TensorRange {
  min: number;
  max: number;
}

export interface StaticQuantizeOptions {
  /** Activation ranges from calibration, by tensor name (graph inputs and node outputs). */
  ranges: Record<string, TensorRange>;
  /**
   * Ops kept in float between a DequantizeLinear and a QuantizeLinear at their own calibrated output
   * range, because onnxruntime's uint8 kernel for them is slower than its float one (its NCHW uint8
   * MaxPool took 3.7× the float MaxPool's time on the CNN). Default: none.
   */
  floatOps?: readonly string[];
  /**
   * Leave out the Q/DQ pair between a tensor and the Relu that is its only reader (default true): the
   * Relu's own pair (zero point 0) lets onnxruntime drop the Relu and quantize the Conv/Gemm output
   * straight at the Relu's scale, instead of running a DequantizeLinear→QuantizeLinear between them.
   */
  foldRelu?: boolean;
}

/** uint8 affine parameters covering [min, max] and always representing 0 exactly (padding, ReLU). */
export function uint8Params(r: TensorRange): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, r.min);
  const hi = Math.max(0, r.max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}

/** Rewrite a float model to QDQ int8 using calibrated activation ranges. */
export function quantizeStatic(modelBytes: Uint8Array, options: StaticQuantizeOptions): QuantizeResult {
  const model = readModel(modelBytes);
  const spec = toSpec(model);
  atLeastOpset(spec, 13);
  const inits = new Map(spec.initializers.map((t) => [t.name, t]));
  const graphOutputs = new Set(spec.outputs.map((o) => o.name));
  const used = new Set([...spec.nodes.flatMap((n) => [...n.inputs, ...n.outputs]), ...inits.keys()]);
  let counter = 0;
  const fresh = (p: string): string => {
    let name = `${p}_qdq${counter++}`;
    while (used.has(name)) name = `${p}_qdq${counter++}`;
    used.add(name);
    return name;
  };
  const quantized: string[] = [];
  const skipped: QuantizeResult['skipped'] = [];
  const wns = weightedNodes(spec);
  if (wns.length === 0) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'int8-static: the model has no MatMul, Gemm or Conv with constant float32 weights');

  // Ops that only move or select values keep their input's quantization parameters, so onnxruntime
  // can drop the DQ→op→Q pair and run them on uint8 directly (MaxPool, Flatten, Reshape…).
  // A float op keeps its own calibrated output range (a different scale keeps onnxruntime from
  // dropping its DQ→op→Q pair), or its input's when calibration did not see its output.
  const floatOps = new Set(options.floatOps ?? []);
  const foldRelu = options.foldRelu ?? true;
  const ranges: Record<string, TensorRange> = { ...options.ranges };
  for (const n of spec.nodes) {
    const r = ranges[n.inputs[0] ?? ''];
    const out = n.outputs[0];
    if (!r || !out || !SAME_RANGE_OPS.has(n.opType)) continue;
    if (!floatOps.has(n.opType) || !ranges[out]) ranges[out] = r;
  }

  // 1. Activations: every calibrated float tensor that a node reads gets Q→DQ; readers take the DQ output.
  const readers = consumers(spec.nodes);
  const actScale = new Map<string, number>();
  const prologue = new Map<string, NodeSpec[]>(); // tensor → Q/DQ nodes to place right after its producer
  for (const [name, range] of Object.entries(ranges)) {
    const rs = readers.get(name);
    if (!rs || rs.length === 0 || graphOutputs.has(name) || inits.has(name)) continue;
    if (foldRelu && rs.every((r) => r.opType === 'Relu')) continue;
    if (!Number.isFinite(range.min) || !Number.isFinite(range.max)) {
      throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `int8-static: calibration range of '${name}' is not finite`);
    }
    const { scale, zeroPoint } = uint8Params(range);
    const s = fresh(`${name}_scale`);
    const z = fresh(`${name}_zero_point`);
    spec.initializers.push({ name: s, dtype: 'float32', dims: [], data: Float32Array.of(scale) }, { name: z, dtype: 'uint8', dims: [], data: Uint8Array.of(zeroPoint) });
    const q = fresh(`${name}_quantized`);
    const dq = fresh(`${name}_dequantized`);
    prologue.set(name, [
      { opType: 'QuantizeLinear', inputs: [name, s, z], outputs: [q], name: fresh('QuantizeLinear') },
      { opType: 'DequantizeLinear', inputs: [q, s, z], outputs: [dq], name: fresh('DequantizeLinear') },
    ]);
    for (const r of rs) r.inputs = r.inputs.map((i) => (i === name ? dq : i));
    actScale.set(dq, scale);
  }

  // 2. Weights (int8 per channel) and biases (int32 at scale x_scale·w_scale, as the QLinear kernels expect).
  for (const wn of wns) {
    const nodeName = wn.node.name ?? wn.node.opType;
    const xScale = actScale.get(wn.node.inputs[0]!);
    if (xScale === undefined) {
      skipped.push({ node: nodeName, reason: `input '${wn.node.inputs[0]!}' has no calibration range` });
      continue;
    }
    if (wn.kind === 'gemm' && (attrFloat(wn.node, 'alpha', 1) !== 1 || attrFloat(wn.node, 'beta', 1) !== 1)) {
      skipped.push({ node: nodeName, reason: 'Gemm with alpha/beta ≠ 1' });
      continue;
    }
    const c = wn.outChannels;
    const axis = wn.kind === 'matmul' || (wn.kind === 'gemm' && attrInt(wn.node, 'transB', 0) === 0) ? 1 : 0;
    const { node: wdqNode, scales } = int8WeightDequantizer(wn, spec, fresh, axis);
    const pre: NodeSpec[] = [wdqNode];
    wn.node.inputs[1] = wdqNode.outputs[0]!;
    const biasName = wn.kind === 'matmul' ? undefined : wn.node.inputs[2];
    const bias = biasName ? inits.get(biasName) : undefined;
    if (biasName && bias && bias.dtype === 'float32' && bias.data.length === c) {
      const bq = new Int32Array(c);
      const bs = new Float32Array(c);
      for (let i = 0; i < c; i++) {
        bs[i] = xScale * scales[i]!;
        bq[i] = Math.round((bias.data as Float32Array)[i]! / bs[i]!);
      }
      const bqn = fresh(`${biasName}_int32`);
      const bsn = fresh(`${biasName}_scale`);
      const bzn = fresh(`${biasName}_zero_point`);
      const bdq = fresh(`${biasName}_dequantized`);
      spec.initializers.push(
        { name: bqn, dtype: 'int32', dims: [c], data: bq },
        { name: bsn, dtype: 'float32', dims: [c], data: bs },
        { name: bzn, dtype: 'int32', dims: [c], data: new Int32Array(c) },
      );
      pre.push({ opType: 'DequantizeLinear', inputs: [bqn, bsn, bzn], outputs: [bdq], attrs: { axis: { type: 'int', value: 0 } }, name: fresh('DequantizeLinear') });
      wn.node.inputs[2] = bdq;
    }
    prologue.set(`node:${nodeName}`, pre);
    quantized.push(nodeName);
  }
  if (quantized.length === 0) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'int8-static: no layer could be quantized (missing calibration ranges?)');

  // 3. Splice: graph-input Q/DQ first, weight DQs before their node, activation Q/DQ after their producer.
  const nodes: NodeSpec[] = [];
  for (const i of spec.inputs) nodes.push(...(prologue.get(i.name) ?? []));
  for (const n of spec.nodes) {
    nodes.push(...(prologue.get(`node:${n.name ?? n.opType}`) ?? []), n);
    for (const o of n.outputs) nodes.push(...(prologue.get(o) ?? []));
  }
  spec.nodes = nodes;
  dropUnusedInitializers(spec);
  spec.metadata = { ...spec.metadata, 'lepton.compress': 'int8-static' };
  return { bytes: buildModel(spec), quantized, skipped };
}
