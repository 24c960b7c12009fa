/**
 * Structured pruning on the ONNX graph: whole neurons (Gemm/MatMul outputs) or channels (Conv
 * outputs) with the smallest L2 norm are removed, and the next layer loses the matching inputs, so
 * the layer shapes really shrink. Done on the graph rather than on nn modules so it applies to any
 * exported model; a chain it cannot follow safely (branches, unknown ops) is left untouched.
 */
import { invalidArgument, LeptonError } from '../core/errors.js';
import { buildModel, type NodeSpec, type TensorInit } from './builder.js';
import { readModel } from './reader.js';
import { attrInt } from './ops/attributes.js';
import { channelOf, consumers, toSpec, weightedNodes, type WeightedNode } from './quantize-graph.js';

/** Ops between two layers that act per channel (their parameters, if any, are sliced too). */
const PASS_THROUGH = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Gelu', 'MaxPool', 'AveragePool', 'Dropout', 'Identity', 'BatchNormalization', 'Add']);

export interface StructuredLayer {
  node: string;
  before: number;
  after: number;
}

export interface StructuredPruneResult {
  bytes: Uint8Array;
  layers: StructuredLayer[];
}

type Init = TensorInit & { name: string };

function sliceAxis(t: Init, axis: number, keep: number[]): Init {
  const dims = t.dims;
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const src = t.data as Float32Array;
  const out = new Float32Array(outer * keep.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) for (const k of keep) out.set(src.subarray((a * dims[axis]! + k) * inner, (a * dims[axis]! + k + 1) * inner), (o++) * inner);
  const nd = [...dims];
  nd[axis] = keep.length;
  return { ...t, dims: nd, data: out };
}

/** Remove `ratio` of the units of every hidden layer whose output feeds exactly one next layer. */
export function pruneStructured(modelBytes: Uint8Array, ratio: number): StructuredPruneResult {
  if (!(ratio > 0 && ratio < 1)) throw invalidArgument(`structured prune ratio must be in (0, 1), got ${ratio}`);
  const spec = toSpec(readModel(modelBytes));
  const inits = new Map(spec.initializers.map((t) => [t.name, t]));
  const readers = consumers(spec.nodes);
  const wns = weightedNodes(spec);
  const byNode = new Map(wns.map((w) => [w.node, w]));
  const layers: StructuredLayer[] = [];
  const rewrites = new Map<string, Init>();
  const get = (name: string): Init | undefined => rewrites.get(name) ?? inits.get(name);

  for (const wn of wns) {
    const chain = followChain(wn, readers, byNode, inits);
    if (!chain) continue;
    const c = wn.outChannels;
    const keepN = Math.max(1, Math.round(c * (1 - ratio)));
    if (keepN >= c) continue;
    const w = get(wn.weight.name)!;
    const norms = new Float64Array(c);
    const ch = channelOf({ ...wn, weight: { ...wn.weight, dims: w.dims, data: w.data as Float32Array } });
    (w.data as Float32Array).forEach((v, i) => (norms[ch(i)]! += v * v));
    const keep = Array.from(norms.keys()).sort((a, b) => norms[b]! - norms[a]!).slice(0, keepN).sort((a, b) => a - b);
    const outAxis = wn.kind === 'conv' || (wn.kind === 'gemm' && attrInt(wn.node, 'transB', 0)) ? 0 : 1;
    rewrites.set(w.name, sliceAxis(w, outAxis, keep));
    for (const p of chain.perChannel) {
      const t = get(p)!;
      rewrites.set(p, sliceAxis(t, t.dims.length === 1 ? 0 : 1, keep));
    }
    // Next layer: drop the inputs of removed units; after a Flatten each channel owns a block of h·w inputs.
    const next = chain.next;
    const nw = get(next.weight.name)!;
    const inAxis = next.kind === 'conv' ? 1 : next.kind === 'gemm' && attrInt(next.node, 'transB', 0) ? 1 : 0;
    const block = nw.dims[inAxis]! / c;
    if (!Number.isInteger(block)) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `structured prune: ${next.node.name} input width ${nw.dims[inAxis]} is not a multiple of ${c}`);
    const cols = keep.flatMap((k) => Array.from({ length: block }, (_, j) => k * block + j));
    rewrites.set(nw.name, sliceAxis(nw, inAxis, cols));
    for (const r of chain.reshapes) {
      const t = get(r)!;
      const shape = Array.from(t.data as BigInt64Array, Number);
      rewrites.set(r, { ...t, data: BigInt64Array.from(shape.map((d) => BigInt(d === c * block ? keepN * block : d))) });
    }
    layers.push({ node: wn.node.name ?? wn.node.opType, before: c, after: keepN });
  }
  if (layers.length === 0) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'structured prune: no hidden layer with a single, simple path to the next layer was found');
  spec.initializers = spec.initializers.map((t) => rewrites.get(t.name) ?? t);
  spec.metadata = { ...spec.metadata, 'lepton.compress': `prune-structured:${ratio}` };
  return { bytes: buildModel(spec), layers };
}

interface Chain {
  next: WeightedNode;
  /** Per-channel initializers on the way (biases of Add, BatchNormalization parameters). */
  perChannel: string[];
  /** Int64 shape initializers of Reshapes on the way (their flattened width changes). */
  reshapes: string[];
}

/** Walk from a layer's output through per-channel ops to exactly one next weighted layer. */
function followChain(wn: WeightedNode, readers: Map<string, NodeSpec[]>, byNode: Map<NodeSpec, WeightedNode>, inits: Map<string, Init>): Chain | null {
  const perChannel: string[] = [];
  const reshapes: string[] = [];
  const c = wn.outChannels;
  if (wn.node.inputs[2]) perChannel.push(wn.node.inputs[2]);
  let value = wn.node.outputs[0]!;
  let flattened = false;
  for (let hops = 0; hops < 16; hops++) {
    const rs = readers.get(value) ?? [];
    if (rs.length !== 1) return null;
    const n = rs[0]!;
    const next = byNode.get(n);
    if (next) return next.node.inputs[0] === value && (flattened || next.kind === wn.kind || (wn.kind !== 'conv' && next.kind !== 'conv')) ? { next, perChannel, reshapes } : null;
    if (n.opType === 'Flatten' || n.opType === 'Reshape') {
      if (wn.kind !== 'conv' || flattened) return null;
      if (n.opType === 'Flatten' && attrInt(n, 'axis', 1) !== 1) return null;
      if (n.opType === 'Reshape') reshapes.push(n.inputs[1]!);
      flattened = true;
    } else if (!PASS_THROUGH.has(n.opType)) {
      return null;
    } else if (n.opType === 'Add' || n.opType === 'BatchNormalization') {
      const params = n.opType === 'Add' ? [n.inputs.find((i) => i !== value)!] : n.inputs.slice(1);
      for (const p of params) {
        const t = inits.get(p);
        const ok = t && t.dtype === 'float32' && t.data.length === c && (t.dims.length === 1 || (t.dims.length >= 2 && t.dims[1] === c) || (t.dims.length === 2 && t.dims[0] === 1));
        if (!ok || flattened) return null;
        perChannel.push(p);
      }
    }
    value = n.outputs[0]!;
  }
  return null;
}
