/**
 * Unstructured magnitude pruning of an ONNX graph: in every MatMul/Gemm/Conv weight the smallest
 * |w| are set to zero until the layer reaches the target sparsity. The file keeps its dense layout
 * (ONNX has no sparse initializer ORT runs fast), so the gain is compressibility and a sparser model
 * to fine-tune or quantize, not speed; the report says so.
 */
import { invalidArgument } from '../core/errors.js';
import { buildModel } from './builder.js';
import { readModel } from './reader.js';
import { toSpec, weightedNodes } from './quantize-graph.js';

export interface PruneResult {
  bytes: Uint8Array;
  /** weight initializer name → 0/1 mask of kept weights (for fine-tuning). */
  masks: Map<string, Uint8Array>;
  /** Zero fraction over all pruned weights. */
  sparsity: number;
}

/** Zero the `sparsity` fraction of smallest-magnitude weights in each weighted layer. */
export function pruneMagnitude(modelBytes: Uint8Array, sparsity: number): PruneResult {
  if (!(sparsity >= 0 && sparsity < 1)) throw invalidArgument(`prune sparsity must be in [0, 1), got ${sparsity}`);
  const spec = toSpec(readModel(modelBytes));
  const masks = new Map<string, Uint8Array>();
  let zeros = 0;
  let total = 0;
  for (const wn of weightedNodes(spec)) {
    if (masks.has(wn.weight.name)) continue;
    const w = Float32Array.from(wn.weight.data as Float32Array);
    const k = Math.floor(sparsity * w.length);
    const order = Array.from(w.keys()).sort((a, b) => Math.abs(w[a]!) - Math.abs(w[b]!));
    const mask = new Uint8Array(w.length).fill(1);
    for (let i = 0; i < k; i++) {
      w[order[i]!] = 0;
      mask[order[i]!] = 0;
    }
    for (const v of w) if (v === 0) zeros++;
    total += w.length;
    masks.set(wn.weight.name, mask);
    const init = spec.initializers.find((t) => t.name === wn.weight.name)!;
    init.data = w;
  }
  spec.metadata = { ...spec.metadata, 'lepton.compress': `prune:${sparsity}` };
  return { bytes: buildModel(spec), masks, sparsity: total === 0 ? 0 : zeros / total };
}

/** Fraction of exact zeros among the weights of MatMul/Gemm/Conv layers. */
export function weightSparsity(modelBytes: Uint8Array): number {
  const spec = toSpec(readModel(modelBytes));
  let zeros = 0;
  let total = 0;
  const seen = new Set<string>();
  for (const wn of weightedNodes(spec)) {
    if (seen.has(wn.weight.name)) continue;
    seen.add(wn.weight.name);
    for (const v of wn.weight.data as Float32Array) if (v === 0) zeros++;
    total += wn.weight.data.length;
  }
  return total === 0 ? 0 : zeros / total;
}
