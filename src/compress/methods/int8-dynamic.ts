/** `int8-dynamic`: int8 weights, activations quantized at run time (no calibration data needed). */
import { quantizeDynamic } from '../../onnx/quantize-dynamic.js';
import { defineMethodWithoutArgument } from './method.js';

export const int8Dynamic = defineMethodWithoutArgument({
  kind: 'int8-dynamic',
  help: 'int8 weights; activations quantized at run time',
  build: async (o) => {
    const r = quantizeDynamic(o.model);
    return { bytes: r.bytes, details: { quantized: r.quantized, skipped: r.skipped } };
  },
});
