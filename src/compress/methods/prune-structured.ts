/** `prune-structured:<ratio>`: drop that fraction of hidden units/channels, so the model really shrinks. */
import { pruneStructured as pruneUnits } from '../../onnx/prune-structured.js';
import { fineTune } from './fine-tune.js';
import { defineMethod, fraction } from './method.js';

const EPOCHS = { role: 'fine-tune', default: 0 } as const;

export const pruneStructured = defineMethod({
  kind: 'prune-structured',
  usage: 'prune-structured:<ratio 0..1>',
  help: 'remove that fraction of hidden units and channels',
  epochs: EPOCHS,
  examples: ['prune-structured:0.5', 'prune-structured:0.25'],
  parse: (arg) => fraction('prune-structured', arg),
  format: String,
  build: async (ratio, o) => {
    const r = pruneUnits(o.model, ratio);
    const epochs = o.epochs ?? EPOCHS.default;
    return { bytes: fineTune(r.bytes, o, epochs), details: { ratio, layers: r.layers, fineTuneEpochs: epochs } };
  },
});
