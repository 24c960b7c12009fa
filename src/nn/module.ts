/**
 * The Module base class, shaped like PyTorch's nn.Module: parameters and buffers with dotted
 * names ("0.weight"), train/eval modes, state dicts, and a JSON spec for rebuilding and export.
 */
import { LeptonError } from '../core/errors.js';
import { type Tensor, shapeEq } from '../tensor/index.js';
import { type LayerSpec } from './spec.js';

export type Named<T> = Array<[string, T]>;

export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  /**
   * Set by freeze(): this module's own parameters take no gradient (so optimizers keep no state
   * for them) and a frozen batch norm uses its running statistics even in training mode.
   */
  frozen = false;

  abstract forward(x: Tensor): Tensor;

  /** The layer's JSON description; `fromSpec(spec())` builds an equivalent fresh layer. */
  abstract spec(): LayerSpec;

  /** Trainable tensors owned directly by this module (not its children). */
  protected ownParameters(): Named<Tensor> {
    return [];
  }

  /** Non-trainable state saved with the model (batch norm running stats). */
  protected ownBuffers(): Named<Tensor> {
    return [];
  }

  children(): Named<Module> {
    return [];
  }

  namedParameters(prefix = ''): Named<Tensor> {
    return this.collect(prefix, (m) => m.ownParameters());
  }

  namedBuffers(prefix = ''): Named<Tensor> {
    return this.collect(prefix, (m) => m.ownBuffers());
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Total number of trainable values. */
  numParameters(): number {
    return this.parameters().reduce((s, t) => s + t.size, 0);
  }

  /** Parameters and buffers by name, in definition order (what a checkpoint stores). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copy values into this module's tensors. Names and shapes must match; with `strict` (default)
   * a missing or unexpected name is an error, as in PyTorch's load_state_dict.
   */
  loadStateDict(state: ReadonlyMap<string, { shape: readonly number[]; data: ArrayLike<number> }>, strict = true): void {
    const own = this.stateDict();
    for (const [name, t] of own) {
      const src = state.get(name);
      if (!src) {
        if (strict) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `state dict has no tensor '${name}'`);
        continue;
      }
      if (!shapeEq(src.shape, t.shape)) {
        throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `'${name}': checkpoint shape [${src.shape}] but model shape [${t.shape}]`);
      }
      t.data.set(src.data);
    }
    if (strict) {
      for (const name of state.keys()) {
        if (!own.has(name)) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `unexpected tensor '${name}' in state dict`);
      }
    }
  }

  /** Set training mode here and in every child. */
  train(mode = true): this {
    this.training = mode;
    for (const [, c] of this.children()) c.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Freeze this module and every child (transfer learning): parameters stop requiring gradients,
   * so backward never reaches them and optimizers skip them, and batch norm stops updating its
   * running statistics. The values stay exactly as they are.
   */
  freeze(): this {
    return this.setFrozen(true);
  }

  /** Undo freeze() here and in every child. */
  unfreeze(): this {
    return this.setFrozen(false);
  }

  /** The parameters that still train (not frozen). */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  private setFrozen(frozen: boolean): this {
    this.frozen = frozen;
    for (const [, p] of this.ownParameters()) {
      p.requiresGrad = !frozen;
      if (frozen) p.grad = null;
    }
    for (const [, c] of this.children()) c.setFrozen(frozen);
    return this;
  }

  private collect(prefix: string, own: (m: Module) => Named<Tensor>): Named<Tensor> {
    const out: Named<Tensor> = own(this).map(([n, t]) => [prefix + n, t]);
    for (const [name, child] of this.children()) out.push(...child.collect(`${prefix}${name}.`, own));
    return out;
  }
}
