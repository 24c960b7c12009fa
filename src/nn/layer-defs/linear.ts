/** Registry entry of `linear` (PyTorch's nn.Linear): y = x Wᵀ + b on [N, in]. */
import { Linear } from '../layers.js';
import { defineLayer, field } from '../layer-def.js';

export const linearLayer = defineLayer({
  type: 'linear',
  fields: { inFeatures: field.number, outFeatures: field.number, bias: field.optionalBoolean },
  example: { spec: { type: 'linear', inFeatures: 6, outFeatures: 3 }, inputShape: [6] },
  build: (s, ctx) => new Linear(s.inFeatures, s.outFeatures, { ...ctx.init, bias: s.bias ?? true }),
});
