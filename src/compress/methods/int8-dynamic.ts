/** `int8-dynamic`: int8 weights, activations quantized at run time (no calibration data needed). */
import { quantizeDynamic } from '../../onnx/quantize-dynamic.js';
import { defineMethod, noArgument } from './method.js';

export const int8Dynamic = defineMethod({
  kind: 'int8-dynamic',
  usage: 'int8-dynamic',
  help: 'int8 weights; activations quantized at run time',
  examples: ['int8-dynamic'],
  parse: (arg) => noArgument('int8-dynamic', arg),
  format: () => undefined,
  build: async (_, o) => {
    const r = quantizeDynamic(o.model);
    return { bytes: r.bytes, details: { quantized: r.quantized, skipped: r.skipped } };
  },
});
