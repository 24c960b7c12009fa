/** Registry entry of `conv2d` (PyTorch's nn.Conv2d with a square kernel and `groups`) on NCHW input. */
import { Conv2d } from '../layers.js';
import { defineLayer, field } from '../layer-def.js';

export const conv2dLayer = defineLayer({
  type: 'conv2d',
  fields: {
    inChannels: field.number,
    outChannels: field.number,
    kernelSize: field.number,
    stride: field.optionalNumber,
    padding: field.optionalNumber,
    bias: field.optionalBoolean,
    groups: field.optionalNumber,
  },
  example: { spec: { type: 'conv2d', inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1 }, inputShape: [2, 7, 7] },
  build: (s, ctx) => new Conv2d(s.inChannels, s.outChannels, s.kernelSize, { ...ctx.init, stride: s.stride ?? 1, padding: s.padding ?? 0, bias: s.bias ?? true, groups: s.groups ?? 1 }),
});
