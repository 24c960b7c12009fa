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
