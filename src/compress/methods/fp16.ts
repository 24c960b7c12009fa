/** `fp16`: weights stored as float16 (half the size), computed in float32. */
import { toFp16Weights } from '../../onnx/fp16.js';
import { defineMethod, noArgument } from './method.js';

export const fp16 = defineMethod({
  kind: 'fp16',
  usage: 'fp16',
  help: 'float16 weights, float32 compute (half the size)',
  examples: ['fp16'],
  parse: (arg) => noArgument('fp16', arg),
  format: () => undefined,
  build: async (_, o) => {
    const r = toFp16Weights(o.model);
    return { bytes: r.bytes, details: { converted: r.converted.length, note: 'float16 weights, float32 compute (half the size)' } };
  },
});
