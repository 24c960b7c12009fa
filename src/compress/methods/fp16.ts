/** `fp16`: weights stored as float16 (half the size), computed in float32. */
import { toFp16Weights } from '../../onnx/fp16.js';
import { defineMethodWithoutArgument } from './method.js';

export const fp16 = defineMethodWithoutArgument({
  kind: 'fp16',
  help: 'float16 weights, float32 compute (half the size)',
  build: async (o) => {
    const r = toFp16Weights(o.model);
    return { bytes: r.bytes, details: { converted: r.converted.length, note: 'weights stored as float16, computed in float32' } };
  },
});
