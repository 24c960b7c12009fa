/**
 * Recurrent layers shaped like PyTorch's nn.RNN / nn.LSTM / nn.GRU: same constructor options
 * (batchFirst, numLayers, bidirectional, dropout between layers, optional initial state), same
 * parameter names and layouts (weight_ih_l{k}[_reverse] [G·H, in], weight_hh_l{k} [G·H, H],
 * bias_ih_l{k}, bias_hh_l{k}; LSTM gates i,f,g,o; GRU r,z,n), so a PyTorch state_dict saved as
 * safetensors loads as is. Each layer direction is one fused tensor op (tensor/ops/recurrent.ts).
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { Tensor, concat, dropout, narrow, recurrent, reshape, sequenceOf, swap01, GATE_COUNT, type CellKind } from '../tensor/index.js';
import { Module, type Named } from './module.js';
import { type LayerSpec } from './spec.js';

export interface RecurrentLayerOptions {
  numLayers?: number;
  bias?: boolean;
  /** Input and output are [N, T, F] instead of [T, N, F]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last (training only). */
  dropout?: number;
  bidirectional?: boolean;
  /**
   * LSTM only: start the forget gate's bias at this value (bias_ih's f block = forgetBias, bias_hh's
   * f block = 0, so their sum is forgetBias; Jozefowicz et al. 2015, Keras's unit_forget_bias).
   * Default: unset, PyTorch's uniform init for every bias. The other weights draw the same numbers
   * either way (the f blocks are overwritten after the draw).
   */
  forgetBias?: number;
  /** Random source for the initial weights and dropout masks (default Rng(0)). */
  rng?: Rng;
}

/** Initial or final state: h (and c for LSTM), each [numLayers · dirs, N, H]. */
export interface RecurrentState {
  h: Tensor;
  c?: Tensor;
}

export interface RecurrentResult extends Required<Pick<RecurrentState, 'h'>> {
  /** [T, N, dirs·H], or [N, T, dirs·H] with batchFirst. */
  output: Tensor;
  c?: Tensor;
}

type Mode = 'rnn' | 'lstm' | 'gru';

export abstract class RecurrentBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropoutP: number;
  readonly bidirectional: boolean;
  /** The forget-gate bias init (LSTM), or undefined for PyTorch's uniform init. */
  readonly forgetBias: number | undefined;
  private readonly params: Named<Tensor> = [];
  /** Source of the initial weights and of the dropout masks between layers (reseed it for repeatable masks). */
  rng: Rng;

  protected constructor(
    private readonly mode: Mode,
    protected readonly cell: CellKind,
    readonly inputSize: number,
    readonly hiddenSize: number,
    o: RecurrentLayerOptions,
  ) {
    super();
    for (const [v, what] of [[inputSize, 'inputSize'], [hiddenSize, 'hiddenSize'], [o.numLayers ?? 1, 'numLayers']] as const) {
      if (!Number.isInteger(v) || v < 1) throw invalidArgument(`${mode.toUpperCase()} ${what} must be a positive integer, got ${v}`);
    }
    this.numLayers = o.numLayers ?? 1;
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.dropoutP = o.dropout ?? 0;
    this.bidirectional = o.bidirectional ?? false;
    if (!(this.dropoutP >= 0 && this.dropoutP < 1)) throw invalidArgument(`${mode.toUpperCase()} dropout must be in [0, 1), got ${this.dropoutP}`);
    this.rng = o.rng ?? new Rng(0);
    if (o.forgetBias !== undefined && (mode !== 'lstm' || !Number.isFinite(o.forgetBias))) throw invalidArgument(`forgetBias is a finite number for LSTM only, got ${o.forgetBias} for ${mode.toUpperCase()}`);
    this.forgetBias = o.forgetBias;
    const GH = GATE_COUNT[cell] * hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    for (let k = 0; k < this.numLayers; k++) {
      const inF = k === 0 ? inputSize : hiddenSize * this.dirs;
      for (const sfx of this.bidirectional ? ['', '_reverse'] : ['']) {
        this.params.push([`weight_ih_l${k}${sfx}`, Tensor.uniform([GH, inF], this.rng, -bound, bound, true)]);
        this.params.push([`weight_hh_l${k}${sfx}`, Tensor.uniform([GH, hiddenSize], this.rng, -bound, bound, true)]);
        if (this.bias) {
          this.params.push([`bias_ih_l${k}${sfx}`, Tensor.uniform([GH], this.rng, -bound, bound, true)]);
          this.params.push([`bias_hh_l${k}${sfx}`, Tensor.uniform([GH], this.rng, -bound, bound, true)]);
          if (this.forgetBias !== undefined) {
            // Gate blocks i, f, g, o of H rows each: the f block is rows [H, 2H).
            this.params.at(-2)![1].data.fill(this.forgetBias, hiddenSize, 2 * hiddenSize);
            this.params.at(-1)![1].data.fill(0, hiddenSize, 2 * hiddenSize);
          }
        }
      }
    }
  }

  get dirs(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** A parameter by its PyTorch name, e.g. 'weight_hh_l0_reverse'. */
  param(name: string): Tensor {
    const p = this.params.find(([n]) => n === name);
    if (!p) throw invalidArgument(`${this.mode.toUpperCase()} has no parameter '${name}'`);
    return p[1];
  }

  /** The output sequence (what a Sequential passes on); `run` also gives the final states. */
  forward(x: Tensor): Tensor {
    return this.run(x).output;
  }

  /** x [T, N, in] (or [N, T, in] with batchFirst), optional initial state → output and final states. */
  run(x: Tensor, state?: RecurrentState): RecurrentResult {
    if (x.ndim !== 3 || x.shape[2] !== this.inputSize) throw invalidArgument(`${this.mode.toUpperCase()} expects input [${this.batchFirst ? 'N, T' : 'T, N'}, ${this.inputSize}], got [${x.shape}]`);
    let seq = this.batchFirst ? swap01(x) : x; // time-major from here on
    const [T, N] = seq.shape as [number, number];
    const H = this.hiddenSize;
    const L = this.numLayers * this.dirs;
    for (const [s, name] of [[state?.h, 'h0'], [state?.c, 'c0']] as const) {
      if (s && (s.ndim !== 3 || s.shape[0] !== L || s.shape[1] !== N || s.shape[2] !== H)) throw invalidArgument(`${this.mode.toUpperCase()} ${name} must be [${L}, ${N}, ${H}], got [${s.shape}]`);
    }
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    // One direction, batch first: the last layer's output comes out batch-first in one op (no narrow + swap01).
    let fusedOut = false;
    for (let k = 0; k < this.numLayers; k++) {
      fusedOut = k === this.numLayers - 1 && this.dirs === 1 && this.batchFirst;
      const outs: Tensor[] = [];
      for (let d = 0; d < this.dirs; d++) {
        const sfx = d === 1 ? '_reverse' : '';
        const idx = k * this.dirs + d;
        const init = (s: Tensor | undefined): Tensor | null => (s ? reshape(narrow(s, 0, idx, 1), [N, H]) : null);
        const packed = recurrent(
          seq,
          {
            w: this.param(`weight_ih_l${k}${sfx}`),
            r: this.param(`weight_hh_l${k}${sfx}`),
            bw: this.bias ? this.param(`bias_ih_l${k}${sfx}`) : null,
            br: this.bias ? this.param(`bias_hh_l${k}${sfx}`) : null,
            h0: init(state?.h),
            c0: init(state?.c),
          },
          { cell: this.cell, reverse: d === 1 },
        );
        outs.push(fusedOut ? sequenceOf(packed, T, true) : narrow(packed, 0, 0, T));
        hs.push(narrow(packed, 0, T, 1));
        if (this.mode === 'lstm') cs.push(narrow(packed, 0, T + 1, 1));
      }
      seq = outs.length === 1 ? outs[0]! : concat(outs, 2);
      if (k < this.numLayers - 1 && this.dropoutP > 0) seq = dropout(seq, this.dropoutP, this.training, this.rng);
    }
    const output = this.batchFirst && !fusedOut ? swap01(seq) : seq;
    const h = hs.length === 1 ? hs[0]! : concat(hs, 0);
    return this.mode === 'lstm' ? { output, h, c: cs.length === 1 ? cs[0]! : concat(cs, 0) } : { output, h };
  }

  protected override ownParameters(): Named<Tensor> {
    return this.params;
  }

  protected baseSpec(): { inputSize: number; hiddenSize: number; numLayers: number; bias: boolean; batchFirst: boolean; dropout: number; bidirectional: boolean } {
    return {
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      bias: this.bias,
      batchFirst: this.batchFirst,
      dropout: this.dropoutP,
      bidirectional: this.bidirectional,
    };
  }
}

/** Elman RNN: h' = act(W x + b_ih + R h + b_hh), act tanh (default) or relu. */
export class RNN extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, o: RecurrentLayerOptions & { nonlinearity?: 'tanh' | 'relu' } = {}) {
    const nl = o.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw invalidArgument(`RNN nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
    super('rnn', nl === 'tanh' ? 'rnn_tanh' : 'rnn_relu', inputSize, hiddenSize, o);
  }

  get nonlinearity(): 'tanh' | 'relu' {
    return this.cell === 'rnn_relu' ? 'relu' : 'tanh';
  }

  spec(): LayerSpec {
    return { type: 'rnn', ...this.baseSpec(), nonlinearity: this.nonlinearity };
  }
}

export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, o: RecurrentLayerOptions = {}) {
    super('lstm', 'lstm', inputSize, hiddenSize, o);
  }

  spec(): LayerSpec {
    return { type: 'lstm', ...this.baseSpec(), ...(this.forgetBias !== undefined && { forgetBias: this.forgetBias }) };
  }
}

export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, o: RecurrentLayerOptions = {}) {
    super('gru', 'gru', inputSize, hiddenSize, o);
  }

  spec(): LayerSpec {
    return { type: 'gru', ...this.baseSpec() };
  }
}

/**
 * The last time step of a sequence: [N, T, F] → [N, F] (batchFirst, the default here because
 * it follows a batch-first recurrent layer in classifiers) or [T, N, F] → [N, F].
 */
export class LastStep extends Module {
  constructor(readonly batchFirst = true) {
    super();
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 3) throw invalidArgument(`LastStep expects a [${this.batchFirst ? 'N, T' : 'T, N'}, F] sequence, got [${x.shape}]`);
    const axis = this.batchFirst ? 1 : 0;
    const T = x.shape[axis]!;
    if (T < 1) throw invalidArgument('LastStep of an empty sequence');
    const last = narrow(x, axis, T - 1, 1);
    return reshape(last, this.batchFirst ? [x.shape[0]!, x.shape[2]!] : [x.shape[1]!, x.shape[2]!]);
  }

  spec(): LayerSpec {
    return { type: 'last_step', batchFirst: this.batchFirst };
  }
}
