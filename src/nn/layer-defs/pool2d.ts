/** Registry entries of `maxpool2d` and `avgpool2d`: square window, stride defaults to the window. */
import { MaxPool2d, AvgPool2d } from '../activations.js';
import { defineLayer, field } from '../layer-def.js';

const fields = { kernelSize: field.number, stride: field.optionalNumber, padding: field.optionalNumber };

export const maxPool2dLayer = defineLayer({
  type: 'maxpool2d',
  fields,
  example: { spec: { type: 'maxpool2d', kernelSize: 2 }, inputShape: [2, 6, 6] },
  build: (s) => new MaxPool2d(s.kernelSize, s.stride, s.padding ?? 0),
});

export const avgPool2dLayer = defineLayer({
  type: 'avgpool2d',
  fields,
  example: { spec: { type: 'avgpool2d', kernelSize: 3, stride: 2, padding: 1 }, inputShape: [2, 6, 6] },
  build: (s) => new AvgPool2d(s.kernelSize, s.stride, s.padding ?? 0),
});
