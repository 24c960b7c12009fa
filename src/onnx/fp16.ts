/**
 * fp16 weights: float32 initializers are stored as float16 and cast back to float32 by a Cast node
 * at the head of the graph. Compute stays float32 because onnxruntime's CPU provider has few fp16
 * kernels; the gain is half the file size (and load/transfer), not speed.
 */
import { attr, buildModel, type NodeSpec } from './builder.js';
import { float32ToFloat16, readModel } from './reader.js';
import { toSpec } from './quantize-graph.js';

export interface Fp16Options {
  /** Keep initializers with fewer elements than this in float32 (scalars, tiny biases). Default 16. */
  minElements?: number;
}

export interface Fp16Result {
  bytes: Uint8Array;
  /** Initializers converted. */
  converted: string[];
}

/** Store float32 weights as float16 with Casts where they are read. */
export function toFp16Weights(modelBytes: Uint8Array, options: Fp16Options = {}): Fp16Result {
  const spec = toSpec(readModel(modelBytes));
  const min = options.minElements ?? 16;
  const converted: string[] = [];
  const casts: NodeSpec[] = [];
  const rename = new Map<string, string>();
  const used = new Set([...spec.nodes.flatMap((n) => [...n.inputs, ...n.outputs]), ...spec.initializers.map((t) => t.name)]);
  spec.initializers = spec.initializers.map((t) => {
    if (t.dtype !== 'float32' || t.data.length < min) return t;
    let half = `${t.name}_fp16`;
    for (let i = 0; used.has(half); i++) half = `${t.name}_fp16_${i}`;
    used.add(half);
    casts.push({ opType: 'Cast', inputs: [half], outputs: [t.name], attrs: { to: attr.int(1) }, name: `Cast_${half}` });
    rename.set(t.name, half);
    converted.push(t.name);
    return { name: half, dtype: 'float16', dims: t.dims, data: float32ToFloat16(t.data as Float32Array) };
  });
  spec.nodes = [...casts, ...spec.nodes];
  spec.metadata = { ...spec.metadata, 'lepton.compress': 'fp16' };
  return { bytes: buildModel(spec), converted };
}
