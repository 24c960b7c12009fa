/** `prune-structured:<ratio>`: drop that fraction of hidden units/channels, so the model really shrinks. */
import { pruneStructured as pruneGraph } from '../../onnx/prune-structured.js';
import { noProgress } from '../../core/progress.js';
import { fitGraph } from '../fit.js';
import { GraphProgram } from '../graph-program.js';
import { defineMethod, fraction } from './method.js';

const EPOCHS = { role: 'fine-tune', default: 0 } as const;

export const pruneStructured = defineMethod({
  kind: 'prune-structured',
  usage: 'prune-structured:<ratio 0..1>',
  help: 'remove that fraction of hidden units and channels',
  epochs: EPOCHS,
  examples: ['prune-structured:0.5', 'prune-structured:0.25'],
  parse: (arg) => fraction('prune-structured', arg),
  format: (ratio) => String(ratio),
  build: async (ratio, o) => {
    const r = pruneGraph(o.model, ratio);
    const epochs = o.epochs ?? EPOCHS.default;
    let bytes = r.bytes;
    if (epochs > 0) {
      const p = new GraphProgram(bytes);
      fitGraph(p, o.train, { epochs, lr: o.lr ?? 1e-3, seed: o.seed ?? 1, progress: o.progress ?? noProgress });
      bytes = p.toBytes();
    }
    return { bytes, details: { ratio, layers: r.layers, fineTuneEpochs: epochs } };
  },
});
