/**
 * Lossless size pass: every internal value (initializers, intermediate outputs) and every node gets
 * a short base-36 name; the graph's inputs and outputs keep theirs, so callers see the same model.
 * A deep int8 graph spends kilobytes on names such as `3.depthwise.conv.weight_quantized_scale`
 * (mobilenet-mini at width 0.25: ~9 KB of its ~36 KB), more than its per-channel scales.
 */
import { buildModel } from './builder.js';
import { readModel } from './reader.js';
import { toSpec } from './quantize-graph.js';

export interface ShortNamesResult {
  bytes: Uint8Array;
  /** Values and nodes renamed. */
  renamed: number;
}

export function shortenNames(modelBytes: Uint8Array): ShortNamesResult {
  const spec = toSpec(readModel(modelBytes));
  const keep = new Set([...spec.inputs, ...spec.outputs].map((v) => v.name));
  const map = new Map<string, string>();
  let next = 0;
  // Skip ids that collide with a kept name (an input called "a" stays the input).
  const fresh = (): string => {
    let id: string;
    do id = (next++).toString(36);
    while (keep.has(id));
    return id;
  };
  const rename = (name: string): string => {
    if (name === '' || keep.has(name)) return name;
    let short = map.get(name);
    if (short === undefined) {
      short = fresh();
      map.set(name, short);
    }
    return short;
  };
  const initializers = spec.initializers.map((t) => ({ ...t, name: rename(t.name) }));
  const nodes = spec.nodes.map((n, i) => ({ ...n, name: `n${i.toString(36)}`, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) }));
  const bytes = buildModel({ ...spec, initializers, nodes });
  return { bytes, renamed: map.size + nodes.length };
}
