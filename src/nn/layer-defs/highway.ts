/**
 * Registry entry of `ar_highway` (LSTNet's autoregressive highway, src/nn/highway.ts): a body (a
 * layer list, built as a Sequential) whose [N, outFeatures] output is added to a Linear over the
 * flattened [N, window, features] input.
 */
import { invalidArgument } from '../../core/errors.js';
import { ArHighway } from '../highway.js';
import { Sequential } from '../sequential.js';
import { defineLayer, field, type Field, type LayerDef } from '../layer-def.js';
import type { LayerSpec } from '../layer-registry.js';

export interface ArHighwaySpec {
  type: 'ar_highway';
  window: number;
  features: number;
  outFeatures: number;
  body: LayerSpec[];
}

const body: Field<LayerSpec[], false> = {
  optional: false,
  read(v, where, ctx) {
    if (!Array.isArray(v) || v.length === 0) throw invalidArgument('layer spec: ar_highway needs a non-empty body array');
    return v.map((child, i) => ctx.parse(child, `${where}[${i}]`) as LayerSpec);
  },
};

// Annotated, not inferred: LayerSpec is derived from the registry, which holds this entry.
export const arHighwayLayer: LayerDef<ArHighwaySpec> = defineLayer({
  type: 'ar_highway',
  fields: { window: field.number, features: field.number, outFeatures: field.number, body },
  example: {
    spec: {
      type: 'ar_highway',
      window: 5,
      features: 2,
      outFeatures: 3,
      body: [{ type: 'lstm', inputSize: 2, hiddenSize: 4, batchFirst: true }, { type: 'last_step' }, { type: 'linear', inFeatures: 4, outFeatures: 3 }],
    },
    inputShape: [5, 2],
  },
  build: (s, ctx) => new ArHighway(new Sequential(...s.body.map((l) => ctx.build(l))), s.window, s.features, s.outFeatures, ctx.init),
});
