/** `prune:<sparsity>`: zero the smallest weights by magnitude, optionally fine-tune with the zeros held. */
import { pruneMagnitude } from '../../onnx/prune.js';
import { fineTune } from './fine-tune.js';
import { defineMethod, fraction } from './method.js';

const EPOCHS = { role: 'fine-tune', default: 0 } as const;

export const prune = defineMethod({
  kind: 'prune',
  usage: 'prune:<sparsity 0..1>',
  help: 'zero that fraction of weights by magnitude (file size unchanged)',
  epochs: EPOCHS,
  examples: ['prune:0.5', 'prune:0.9'],
  parse: (arg) => fraction('prune', arg),
  format: String,
  build: async (sparsity, o) => {
    const r = pruneMagnitude(o.model, sparsity);
    const epochs = o.epochs ?? EPOCHS.default;
    const bytes = fineTune(r.bytes, o, epochs, r.masks);
    return { bytes, details: { targetSparsity: sparsity, fineTuneEpochs: epochs, note: 'dense storage: zeros do not speed up onnxruntime' } };
  },
});
