/** Registry entry of `embedding` (PyTorch's nn.Embedding): integer indices [N, ...] → [N, ..., dim]. */
import { Embedding } from '../embedding.js';
import { defineLayer, field } from '../layer-def.js';

export const embeddingLayer = defineLayer({
  type: 'embedding',
  fields: { numEmbeddings: field.number, embeddingDim: field.number, paddingIdx: field.optionalNumber },
  // Indices in [-2, 2] (what the export conformance test feeds) are valid here, negatives counting from the end.
  example: { spec: { type: 'embedding', numEmbeddings: 5, embeddingDim: 3, paddingIdx: 0 }, inputShape: [4] },
  build: (s, ctx) => new Embedding(s.numEmbeddings, s.embeddingDim, { rng: ctx.rng, ...(s.paddingIdx !== undefined && { paddingIdx: s.paddingIdx }) }),
});
