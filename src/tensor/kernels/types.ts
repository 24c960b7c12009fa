/**
 * The kernel interface: the few hot loops (GEMM, im2col/col2im, bias and activation passes)
 * that decide training speed. Two implementations sit behind it: plain TypeScript (always
 * available, the reference) and WebAssembly SIMD (fast). Ops call kernels only through this.
 */

export interface Kernels {
  readonly name: 'js' | 'wasm';
  /**
   * C = op(A)·op(B) (+ C when `accumulate`). op(A) is [m, k], op(B) is [k, n], C is [m, n],
   * all row-major. With `transA` A is stored [k, m]; with `transB` B is stored [n, k].
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    accumulate: boolean,
  ): void;
  /**
   * Unfold one image x [c, h, w] into cols [c*kh*kw, oh*ow] for convolution as GEMM.
   * Geometry is (kh, kw, stride sh/sw, padding ph/pw); padded reads are zero.
   */
  im2col(x: Float32Array, g: ConvGeometry, cols: Float32Array): void;
  /** The adjoint of im2col: add cols [c*kh*kw, oh*ow] back into dx [c, h, w]. */
  col2im(cols: Float32Array, g: ConvGeometry, dx: Float32Array): void;
  /**
   * Convolution of a batch: y[i] = W · im2col(x[i]) + bias for each image i (y is overwritten).
   * One call per batch lets a backend keep its unfold buffers to itself and split images over threads.
   */
  conv2dForward(p: ConvForward): void;
  /**
   * Gradients of conv2dForward for a batch, accumulated into the non-null targets:
   * gw += Σᵢ gy[i]·im2col(x[i])ᵀ, gb[o] += Σᵢ Σ_pixels gy[i, o], gx[i] += col2im(Wᵀ·gy[i]).
   */
  conv2dBackward(p: ConvBackward): void;
  /** y = max(x, 0) over the first n values (NaN stays NaN). */
  relu(x: Float32Array, y: Float32Array, n: number): void;
  /** gx += g where x > 0, over the first n values (ReLU's gradient). */
  reluBackward(x: Float32Array, g: Float32Array, gx: Float32Array, n: number): void;
  /**
   * Max pooling of `planes` images x [planes, h, w] → y [planes, oh, ow]. arg receives each
   * maximum's flat index into x (first maximum on ties; -1 for a window wholly in the padding).
   */
  maxPool2d(x: Float32Array, g: PoolGeometry, planes: number, y: Float32Array, arg: Int32Array): void;
  /**
   * Optional: the forward pass of one LSTM or GRU layer direction (input projection, then per step
   * the recurrent GEMM and gate math) in one call. Returns false when the backend cannot take it (the op runs its
   * own loop); backends without it are used the same way.
   */
  recurrentForward?(p: RecurrentForward): boolean;
  /** Optional: the backward time loop matching recurrentForward (false: not taken, as there). */
  recurrentBackward?(p: RecurrentBackward): boolean;
  /**
   * Optional: a store of `floats` values in up to `buffers` allocations that stays put between
   * calls (optimizer state). Null when it cannot be made; JS backends do not have it.
   */
  resident?(floats: number, buffers: number): ResidentFloats | null;
  /**
   * Optional: a depthwise 3×3 convolution of a batch (groups = channels, one output channel per
   * input channel, padding 1, stride 1 or 2); y is overwritten. False when the backend cannot
   * take it (the op then runs its own loop).
   */
  depthwise3x3Forward?(p: DepthwiseForward): boolean;
  /** Optional: its gradients, accumulated into the non-null targets; false as above. */
  depthwise3x3Backward?(p: DepthwiseBackward): boolean;
}

/** Geometry of a depthwise 3×3 batch: x [n, c, h, w] → y [n, c, oh, ow], weights [c, 9]. */
export interface DepthwiseBatch {
  n: number;
  c: number;
  h: number;
  w: number;
  stride: 1 | 2;
  oh: number;
  ow: number;
  x: Float32Array;
  weights: Float32Array;
}

export interface DepthwiseForward extends DepthwiseBatch {
  bias: Float32Array | null;
  y: Float32Array;
}

export interface DepthwiseBackward extends DepthwiseBatch {
  gy: Float32Array;
  gx: Float32Array | null;
  gw: Float32Array | null;
  gb: Float32Array | null;
}

/** One layer direction's forward pass; shapes as in src/tensor/ops/recurrent.ts (G gates, GH = G·H). */
export interface RecurrentForward {
  cell: 'lstm' | 'gru';
  T: number;
  N: number;
  H: number;
  reverse: boolean;
  /** Column offset of each gate's block: LSTM i, f, g, o; GRU r, z, n. */
  offs: Int32Array;
  /** The input side: x [T·N, inputSize] (time-major rows), W [GH, inputSize], the bias row [GH] added to every step (or null). */
  input: { x: Float32Array; w: Float32Array; inputSize: number; bias: Float32Array | null };
  /** [T, N, GH]: receives the gate values (the backward pass reads them). */
  xp: Float32Array;
  /** [GH, H] recurrent weights. */
  r: Float32Array;
  /** [N, H] initial states, or null for zeros. */
  h0: Float32Array | null;
  c0: Float32Array | null;
  /** GRU: bias_hh [GH] (its n block sits inside r⊙(…)), or null. */
  bn: Float32Array | null;
  /** Receives h_t by time index in rows 0..T−1 of [≥T, N, H]. */
  out: Float32Array;
  /** LSTM: c_t and tanh(c_t) [T, N, H]. */
  cells: Float32Array | null;
  tanhC: Float32Array | null;
  /** GRU: R_n·h_{t−1} + b_hn [T, N, H] (the reset gate's gradient needs it). */
  hn: Float32Array | null;
}

/**
 * Backpropagation through time of one layer direction, after recurrentForward: the step loop
 * (gate gradients and dh·R per step), then the gradients of x, W, R and the biases.
 */
export interface RecurrentBackward extends Omit<RecurrentForward, 'xp' | 'out'> {
  /** [T, N, GH] gate values (recurrentForward's xp after the pass). */
  gates: Float32Array;
  /** [≥T, N, H] h_t by time index. */
  out: Float32Array;
  /** [T + 2, N, H] gradient of the op's packed output (h_t rows, final h, final c). */
  g: Float32Array;
  /** Gradients added into (null: not wanted): x [T·N, in], W [GH, in], R [GH, H], bias_ih and bias_hh [GH]. */
  dx: Float32Array | null;
  dw: Float32Array | null;
  dr: Float32Array | null;
  dbw: Float32Array | null;
  dbh: Float32Array | null;
  /** [N, H] each: hold the gradients of the final h and c on entry, receive those of h0 and c0. */
  dh: Float32Array;
  dc: Float32Array;
}

/** Pooling window geometry over one plane [h, w]. */
export type PoolGeometry = Omit<ConvGeometry, 'c'>;

/** One convolution batch: x [n, c, h, w], w [o, c*kh*kw]. */
export interface ConvBatch {
  x: Float32Array;
  w: Float32Array;
  g: ConvGeometry;
  n: number;
  o: number;
}

export interface ConvForward extends ConvBatch {
  /** [o] or null. */
  bias: Float32Array | null;
  /** [n, o, oh*ow]. */
  y: Float32Array;
}

export interface ConvBackward extends ConvBatch {
  /** [n, o, oh*ow]. */
  gy: Float32Array;
  /** [o, c*kh*kw], [o], [n, c, h, w]; each may be null (not needed). */
  gw: Float32Array | null;
  gb: Float32Array | null;
  gx: Float32Array | null;
}

/** A float buffer inside a resident store: its byte offset there and a view of it. */
export interface ResidentBuffer {
  readonly off: number;
  readonly data: Float32Array;
}

/**
 * Floats that stay in the wasm backend's memory across calls (resident.ts), with the optimizer
 * passes that run on them in place. Views stay valid for the store's life.
 */
export interface ResidentFloats {
  /** n zeroed floats, or null when the store is full. */
  alloc(n: number): ResidentBuffer | null;
  /** One Adam step in float32 over w, g, m, v of equal length (src/nn/optim/adam.ts has the formula). */
  adam(w: ResidentBuffer, g: ResidentBuffer, m: ResidentBuffer, v: ResidentBuffer, c1: number, b2: number, c2: number, stepSize: number, bc2Sqrt: number, eps: number): void;
  /** s ← s + e·(w − s) (the weight average's fold). */
  emaFold(s: ResidentBuffer, w: ResidentBuffer, e: number): void;
}

export interface ConvGeometry {
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  oh: number;
  ow: number;
}
