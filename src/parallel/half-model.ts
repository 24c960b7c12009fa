/**
 * 16-bit activation storage for training. The wrapped model's forward runs layer by layer without
 * a graph and keeps only each layer's input, as bf16/fp16 (2 bytes a value); backward recomputes
 * one layer at a time from its stored input (activation checkpointing at layer granularity) and
 * hands the 16-bit-rounded input gradient to the layer below. Every layer output and activation
 * gradient is rounded to 16 bits, as on hardware that stores them so; the kernels still multiply
 * and accumulate in fp32 (a product of two 16-bit values is exact in fp32).
 * Recomputation must not apply side effects twice: batch-norm running statistics are restored
 * after it, and a layer's random generators (dropout) are rewound so it draws the same mask.
 */
import { LeptonError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type LayerSpec, Module, type Named, Sequential } from '../nn/index.js';
import { type Shape, Tensor, accumulate, isGradEnabled, noGrad } from '../tensor/index.js';
import { type HalfFormat, fromHalf, roundHalf, toHalf } from './half.js';

type RngState = Array<[Rng, Record<string, unknown>]>;

/** Snapshot of every Rng a layer holds directly (dropout's mask generator). */
function rngState(layer: Module): RngState {
  return Object.values(layer)
    .filter((v): v is Rng => v instanceof Rng)
    .map((r) => [r, { ...(r as unknown as Record<string, unknown>) }]);
}

function rewind(state: RngState): void {
  for (const [r, s] of state) Object.assign(r, s);
}

export class HalfActivationModel extends Module {
  /** Bytes of stored layer inputs in the last training forward (2 per value). */
  lastActivationBytes = 0;
  private readonly layers: readonly Module[];

  constructor(
    readonly inner: Module,
    readonly format: HalfFormat,
    /** What stateDict() returns in place of the working parameters (the fp32 master weights). */
    private readonly stateTensors: () => Map<string, Tensor>,
  ) {
    super();
    this.layers = inner instanceof Sequential ? inner.layers : [inner];
    this.training = inner.training;
  }

  spec(): LayerSpec {
    return this.inner.spec();
  }

  override namedParameters(prefix = ''): Named<Tensor> {
    return this.inner.namedParameters(prefix);
  }

  override namedBuffers(prefix = ''): Named<Tensor> {
    return this.inner.namedBuffers(prefix);
  }

  /** The master weights and the buffers: what early stopping snapshots and restores. */
  override stateDict(): Map<string, Tensor> {
    return this.stateTensors();
  }

  override train(mode = true): this {
    this.training = mode;
    this.inner.train(mode);
    return this;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || !isGradEnabled()) return this.forwardRounded(x);
    const fmt = this.format;
    const saved: Array<Uint16Array | null> = [];
    const shapes: Shape[] = [];
    const rngs: RngState[] = [];
    let h = x;
    noGrad(() => {
      for (const layer of this.layers) {
        saved.push(toHalf(h.data, fmt));
        shapes.push(h.shape);
        rngs.push(rngState(layer));
        h = layer.forward(h);
        h = new Tensor(roundHalf(h.data, fmt, new Float32Array(h.size)), h.shape);
      }
    });
    this.lastActivationBytes = saved.reduce((s, a) => s + a!.byteLength, 0);
    const parents = [...(x.requiresGrad ? [x] : []), ...this.inner.parameters().filter((p) => p.requiresGrad)];
    return Tensor.fromOp(h.data, h.shape, parents, (gradOut) => {
      if (!isGradEnabled()) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'backward through 16-bit activations needs grad enabled');
      let g: Float32Array | null = roundHalf(gradOut, fmt, new Float32Array(gradOut.length));
      for (let i = this.layers.length - 1; i >= 0 && g; i--) {
        const layer = this.layers[i]!;
        const needInput = i > 0 || x.requiresGrad;
        const xi = new Tensor(fromHalf(saved[i]!, fmt), shapes[i]!, needInput);
        saved[i] = null; // free as we go: the peak is one layer's graph
        const buffers = layer.namedBuffers().map(([, t]) => [t, t.data.slice()] as const);
        rewind(rngs[i]!);
        const yi = layer.forward(xi);
        for (const [t, d] of buffers) t.data.set(d);
        if (yi.requiresGrad) yi.backward(g);
        g = xi.grad ? roundHalf(xi.grad, fmt) : null;
      }
      if (x.requiresGrad && g) accumulate(x, g);
    });
  }

  /** Inference: every layer's output rounded to 16 bits, no graph kept. */
  private forwardRounded(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      h = layer.forward(h);
      // A copy: a layer may hand back its input's own array (flatten, identity), which is the caller's.
      if (!h.requiresGrad) h = new Tensor(roundHalf(h.data, this.format, new Float32Array(h.size)), h.shape);
    }
    return h;
  }
}
