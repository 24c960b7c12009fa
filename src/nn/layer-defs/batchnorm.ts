/** Registry entries of `batchnorm1d` ([N, C]) and `batchnorm2d` ([N, C, H, W]). */
import { BatchNorm1d, BatchNorm2d } from '../batchnorm.js';
import { defineLayer, field } from '../layer-def.js';

const fields = { numFeatures: field.number, eps: field.optionalNumber, momentum: field.optionalNumber };
const options = (s: { eps?: number; momentum?: number }) => ({ ...(s.eps !== undefined && { eps: s.eps }), ...(s.momentum !== undefined && { momentum: s.momentum }) });

export const batchNorm1dLayer = defineLayer({
  type: 'batchnorm1d',
  fields,
  example: { spec: { type: 'batchnorm1d', numFeatures: 4, eps: 1e-3 }, inputShape: [4] },
  build: (s) => new BatchNorm1d(s.numFeatures, options(s)),
});

export const batchNorm2dLayer = defineLayer({
  type: 'batchnorm2d',
  fields,
  example: { spec: { type: 'batchnorm2d', numFeatures: 2, momentum: 0.2 }, inputShape: [2, 3, 3] },
  build: (s) => new BatchNorm2d(s.numFeatures, options(s)),
});
