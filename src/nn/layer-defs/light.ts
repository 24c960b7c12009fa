/**
 * Registry entries of the light-network layers (src/nn/light.ts): relu6, hardswish,
 * global_avgpool2d, conv_bn_act and inverted_residual (MobileNetV2's block, skip included).
 */
import { ReLU6, Hardswish, GlobalAvgPool2d, ConvBnAct, InvertedResidual } from '../light.js';
import { defineLayer, field } from '../layer-def.js';

export const relu6Layer = defineLayer({ type: 'relu6', fields: {}, example: { spec: { type: 'relu6' }, inputShape: [5] }, build: () => new ReLU6() });

export const hardswishLayer = defineLayer({ type: 'hardswish', fields: {}, example: { spec: { type: 'hardswish' }, inputShape: [5] }, build: () => new Hardswish() });

export const globalAvgPool2dLayer = defineLayer({
  type: 'global_avgpool2d',
  fields: {},
  example: { spec: { type: 'global_avgpool2d' }, inputShape: [3, 4, 5] },
  build: () => new GlobalAvgPool2d(),
});

/** Conv (no bias) → BatchNorm2d → ReLU6; padding keeps the size at stride 1. */
export const convBnActLayer = defineLayer({
  type: 'conv_bn_act',
  fields: {
    inChannels: field.number,
    outChannels: field.number,
    kernelSize: field.number,
    stride: field.optionalNumber,
    groups: field.optionalNumber,
  },
  example: { spec: { type: 'conv_bn_act', inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2 }, inputShape: [2, 7, 7] },
  build: (s, ctx) =>
    new ConvBnAct(s.inChannels, s.outChannels, s.kernelSize, {
      ...ctx.init,
      stride: s.stride ?? 1,
      groups: s.groups ?? 1,
    }),
});

export const invertedResidualLayer = defineLayer({
  type: 'inverted_residual',
  fields: {
    inChannels: field.number,
    outChannels: field.number,
    stride: field.optionalNumber,
    expandRatio: field.optionalNumber,
  },
  example: { spec: { type: 'inverted_residual', inChannels: 3, outChannels: 3, expandRatio: 2 }, inputShape: [3, 5, 5] },
  build: (s, ctx) =>
    new InvertedResidual(s.inChannels, s.outChannels, {
      ...ctx.init,
      stride: s.stride ?? 1,
      expandRatio: s.expandRatio ?? 6,
    }),
});
