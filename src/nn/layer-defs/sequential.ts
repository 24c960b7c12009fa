/** Registry entry of `sequential`: its children are specs too, parsed and built through the registry. */
import { invalidArgument } from '../../core/errors.js';
import { Sequential } from '../sequential.js';
import { defineLayer, type Field, type LayerDef } from '../layer-def.js';
import type { LayerSpec } from '../layer-registry.js';

export interface SequentialSpec {
  type: 'sequential';
  layers: LayerSpec[];
}

const layers: Field<LayerSpec[], false> = {
  optional: false,
  read(v, where, ctx) {
    if (!Array.isArray(v)) throw invalidArgument('layer spec: sequential needs a layers array');
    // The registry's parse returns only declared layer types, so each child is a LayerSpec.
    return v.map((child, i) => ctx.parse(child, `${where}[${i}]`) as LayerSpec);
  },
};

// Annotated, not inferred: LayerSpec is derived from the registry, which holds this entry.
export const sequentialLayer: LayerDef<SequentialSpec> = defineLayer({
  type: 'sequential',
  fields: { layers },
  example: { spec: { type: 'sequential', layers: [{ type: 'flatten' }, { type: 'linear', inFeatures: 6, outFeatures: 2 }, { type: 'relu' }] }, inputShape: [2, 3] },
  build: (s, ctx) => new Sequential(...s.layers.map((l) => ctx.build(l))),
});
