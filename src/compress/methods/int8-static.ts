/** `int8-static`: int8 weights and activations, with activation ranges calibrated on training samples. */
import { quantizeStatic } from '../../onnx/quantize-static.js';
import { calibrate } from '../calibrate.js';
import { defineMethodWithoutArgument } from './method.js';

export const int8Static = defineMethodWithoutArgument({
  kind: 'int8-static',
  help: 'int8 weights and activations, ranges calibrated on training data',
  build: async (o) => {
    const calibration = o.calibration ?? 'percentile';
    const samples = o.calibrationSamples ?? 256;
    const ranges = await calibrate(o.engine, o.model, o.train, { method: calibration, samples });
    const r = quantizeStatic(o.model, { ranges });
    return { bytes: r.bytes, details: { calibration, calibrationSamples: Math.min(samples, o.train.n), quantized: r.quantized, skipped: r.skipped } };
  },
});
