/** `short-names`: lossless; internal tensor and node names shortened (a few KB on deep int8 graphs). */
import { shortenNames } from '../../onnx/short-names.js';
import { defineMethodWithoutArgument } from './method.js';

export const shortNames = defineMethodWithoutArgument({
  kind: 'short-names',
  help: 'lossless: short internal tensor and node names (apply after int8-dynamic on deep graphs)',
  build: async (o) => {
    const r = shortenNames(o.model);
    return { bytes: r.bytes, details: { renamed: r.renamed } };
  },
});
