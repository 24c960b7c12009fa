/**
 * Embedding, as PyTorch's nn.Embedding: a table weight [numEmbeddings, embeddingDim] (init
 * N(0, 1), the padding row zeroed) looked up by integer indices carried in a float tensor (the
 * library's one dtype). The padding row gets no gradient, so it stays as it was. Indices are
 * truncated and negatives count from the end, as ONNX Gather does, so export and forward agree.
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { Tensor, gather } from '../tensor/index.js';
import { Module, type Named } from './module.js';
import { type LayerSpec } from './spec.js';

export class Embedding extends Module {
  readonly weight: Tensor; // [numEmbeddings, embeddingDim]
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: { paddingIdx?: number; rng?: Rng } = {},
  ) {
    super();
    for (const [v, what] of [[numEmbeddings, 'numEmbeddings'], [embeddingDim, 'embeddingDim']] as const) {
      if (!Number.isInteger(v) || v < 1) throw invalidArgument(`Embedding ${what} must be a positive integer, got ${v}`);
    }
    const p = opts.paddingIdx;
    if (p !== undefined && (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings)) {
      throw invalidArgument(`Embedding paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings}), got ${p}`);
    }
    this.paddingIdx = p === undefined ? null : p < 0 ? p + numEmbeddings : p;
    this.weight = Tensor.randn([numEmbeddings, embeddingDim], opts.rng ?? new Rng(0), 1, 0, true);
    if (this.paddingIdx !== null) this.weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
  }

  /** indices [...] → [..., embeddingDim]. */
  forward(x: Tensor): Tensor {
    return gather(this.weight, x.data, x.shape, 0, this.paddingIdx ?? undefined);
  }

  spec(): LayerSpec {
    return { type: 'embedding', numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim, ...(this.paddingIdx !== null && { paddingIdx: this.paddingIdx }) };
  }

  protected override ownParameters(): Named<Tensor> {
    return [['weight', this.weight]];
  }
}
