/**
 * One recurrent layer direction (Elman RNN, LSTM or GRU) as a single fused autograd op, so the
 * time loop costs one GEMM for the input projection of every step ([T·N, in] at once), one GEMM
 * per step for the recurrence, and pointwise gate math on preallocated buffers: no buffer is
 * allocated per step. Backpropagation through time is written out by hand (one pass backwards
 * over the steps, then one GEMM each for dW, dR and dx), which is far cheaper than recording
 * a graph node per gate per step. Gate math follows PyTorch (GRU: n = tanh(Wx + b_in + r⊙(R h + b_hn)),
 * i.e. ONNX's linear_before_reset=1); `gateOrder` says where each gate's block sits in the weights,
 * so PyTorch (LSTM i,f,g,o; GRU r,z,n) and ONNX (LSTM i,o,f,c; GRU z,r,h) layouts run without copies.
 */
import { Tensor } from '../tensor.js';
import { kernels } from '../kernels/index.js';
import { shapeMismatch } from '../shape.js';
import { gruBackward, gruForward, lstmBackward, lstmForward, rnnBackward, rnnForward } from './recurrent-cells.js';

export type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/** Gates per cell: the weights hold G·H rows. */
export const GATE_COUNT: Readonly<Record<CellKind, number>> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

export interface RecurrentOptions {
  cell: CellKind;
  /** Run from the last step to the first (the backward direction of a bidirectional layer). */
  reverse?: boolean;
  /** Block index of each logical gate (LSTM [i, f, g, o], GRU [r, z, n]); default PyTorch's 0, 1, 2, 3. */
  gateOrder?: readonly number[];
}

export interface RecurrentParams {
  /** [G·H, in] */
  w: Tensor;
  /** [G·H, H] */
  r: Tensor;
  /** [G·H] each, or null */
  bw: Tensor | null;
  br: Tensor | null;
  /** [N, H] each, or null for zeros */
  h0: Tensor | null;
  c0: Tensor | null;
}

/**
 * x [T, N, in] (time-major) → packed [T + 2, N, H]: rows 0..T−1 are h_t by time index, row T
 * the final hidden state (after the last step processed), row T+1 the final cell state (LSTM;
 * zeros otherwise). Slice it with `narrow`; gradients into any row flow back through time.
 */
export function recurrent(x: Tensor, p: RecurrentParams, o: RecurrentOptions): Tensor {
  const { w, r, bw, br, h0, c0 } = p;
  const cell = o.cell;
  const G = GATE_COUNT[cell];
  if (x.ndim !== 3 || w.ndim !== 2 || r.ndim !== 2) throw shapeMismatch(`recurrent: x [${x.shape}], W [${w.shape}], R [${r.shape}]`);
  const [T, N, I] = x.shape as [number, number, number];
  const H = r.shape[1]!;
  const GH = G * H;
  if (w.shape[0] !== GH || w.shape[1] !== I || r.shape[0] !== GH) throw shapeMismatch(`recurrent ${cell}: x [${x.shape}] with W [${w.shape}] and R [${r.shape}] (expected [${GH}, ${I}] and [${GH}, ${H}])`);
  for (const [b, name] of [[bw, 'bias_ih'], [br, 'bias_hh']] as const) if (b && b.size !== GH) throw shapeMismatch(`recurrent: ${name} [${b.shape}] should have ${GH} values`);
  for (const [s, name] of [[h0, 'h0'], [c0, 'c0']] as const) if (s && s.size !== N * H) throw shapeMismatch(`recurrent: ${name} [${s.shape}] should be [${N}, ${H}]`);
  const order = o.gateOrder ?? [0, 1, 2, 3].slice(0, G);
  const rev = o.reverse ?? false;
  const NH = N * H;
  const K = kernels();

  // Input projection of all steps at once, biases folded in (GRU keeps b_hn apart: it sits inside r⊙(…)).
  const xp = new Float32Array(T * N * GH);
  const nBlk = cell === 'gru' ? order[2]! : -1;
  const biasRow = bw || br ? new Float32Array(GH) : null;
  if (biasRow && bw) biasRow.set(bw.data);
  if (biasRow && br) for (let k = 0; k < GH; k++) if (Math.floor(k / H) !== nBlk) biasRow[k]! += br.data[k]!;
  const project = (): void => {
    if (biasRow) for (let i = 0; i < T * N; i++) xp.set(biasRow, i * GH);
    if (T * N > 0) K.gemm(false, true, T * N, GH, I, x.data, w.data, xp, true);
  };

  const NG = N * GH;
  const out = new Float32Array((T + 2) * NH);
  const lstm = cell === 'lstm';
  const gru = cell === 'gru';
  const relu = cell === 'rnn_relu';
  const cells = lstm ? new Float32Array(T * NH) : null;
  const tanhC = lstm ? new Float32Array(T * NH) : null;
  const hn = gru ? new Float32Array(T * NH) : null; // R_n h + b_hn, needed for r's gradient
  const hp = gru ? new Float32Array(NG) : null;
  const zeros = new Float32Array(NH);
  const h0d = h0 ? h0.data : zeros;
  const c0d = c0 ? c0.data : zeros;
  const offs = Int32Array.from(order, (b) => b * H);
  const bn = gru && br ? br.data : null;
  // The previous step's h (and c): the initial state at the first step, else the row written before.
  // The previous step's time index (−1: the initial state) and its row offset; `at` is reused by every step (no per-step allocation).
  const prevT = (s: number): number => (s === 0 ? -1 : rev ? T - s : s - 1);
  const at = { N, H, GH, ao: 0, ho: 0 };
  // The backend's fused loop when it has one (wasm: SIMD gates, R packed once, no per-step copies).
  const input = { x: x.data, w: w.data, inputSize: I, bias: biasRow };
  const fused = (lstm || gru) && (K.recurrentForward?.({ cell: lstm ? 'lstm' : 'gru', T, N, H, reverse: rev, offs, xp, input, r: r.data, h0: h0 ? h0.data : null, c0: c0 ? c0.data : null, bn, out, cells, tanhC, hn }) ?? false);
  if (!fused) project();
  for (let s = 0; s < T && !fused; s++) {
    const t = rev ? T - 1 - s : s;
    const pt = prevT(s);
    const po = Math.max(pt, 0) * NH;
    const hPrev = pt < 0 ? h0d : out;
    at.ao = t * NG;
    at.ho = t * NH;
    const hasPrev = pt >= 0 || h0 !== null;
    if (gru) {
      if (hasPrev) K.gemm(false, true, N, GH, H, hPrev.subarray(po, po + NH), r.data, hp!, false);
      else hp!.fill(0);
      gruForward(at, offs, xp, hp!, bn, hPrev, po, hn!, out);
    } else {
      // The recurrent product adds straight onto this step's pre-activations.
      if (hasPrev) K.gemm(false, true, N, GH, H, hPrev.subarray(po, po + NH), r.data, xp.subarray(t * NG, (t + 1) * NG), true);
      if (lstm) lstmForward(at, offs, xp, pt < 0 ? c0d : cells!, po, cells!, tanhC!, out);
      else rnnForward(at, relu, xp, out);
    }
  }
  if (T > 0) {
    const last = rev ? 0 : T - 1;
    out.set(out.subarray(last * NH, (last + 1) * NH), T * NH);
    if (cells) out.set(cells.subarray(last * NH, (last + 1) * NH), (T + 1) * NH);
  } else {
    out.set(h0d, T * NH);
    if (lstm) out.set(c0d, (T + 1) * NH);
  }

  const parents = [x, w, r, bw, br, h0, c0].filter((t): t is Tensor => t !== null);
  return Tensor.fromOp(out, [T + 2, N, H], parents, (g) => {
    const gates = xp; // the forward pass left the gate values there
    // The backend's fused loop does the weight GEMMs and bias sums too, on its own copies.
    const grads = {
      dx: x.requiresGrad ? x.gradBuffer() : null,
      dw: w.requiresGrad ? w.gradBuffer() : null,
      dr: r.requiresGrad ? r.gradBuffer() : null,
      dbw: bw?.requiresGrad ? bw.gradBuffer() : null,
      dbh: br?.requiresGrad ? br.gradBuffer() : null,
    };
    const dhEnd = Float32Array.from(g.subarray(T * NH, (T + 1) * NH));
    const dcEnd = Float32Array.from(g.subarray((T + 1) * NH, (T + 2) * NH));
    const fusedBack = fused && (K.recurrentBackward?.({ cell: lstm ? 'lstm' : 'gru', T, N, H, reverse: rev, offs, gates: xp, input, r: r.data, h0: h0 ? h0.data : null, c0: c0 ? c0.data : null, bn, out, cells, tanhC, hn, g, ...grads, dh: dhEnd, dc: dcEnd }) ?? false);
    if (fusedBack) {
      if (h0?.requiresGrad) addInto(h0.gradBuffer(), dhEnd);
      if (c0?.requiresGrad) addInto(c0.gradBuffer(), dcEnd);
      return;
    }
    const dAx = new Float32Array(T * NG); // gradient at the gate pre-activations (input side)
    const dAh = gru ? new Float32Array(T * NG) : dAx; // … and at R h (+ b_hh)
    let dh = Float32Array.from(g.subarray(T * NH, (T + 1) * NH));
    let dhNext = new Float32Array(NH);
    const dc = Float32Array.from(g.subarray((T + 1) * NH, (T + 2) * NH));
    const hPrevAll = new Float32Array(T * NH); // h_{t-1} by time index, for dR
    for (let s = T - 1; s >= 0; s--) {
      const t = rev ? T - 1 - s : s;
      const pt = prevT(s);
      const po = Math.max(pt, 0) * NH;
      const hPrev = pt < 0 ? h0d : out;
      hPrevAll.set(hPrev.subarray(po, po + NH), t * NH);
      at.ao = t * NG;
      at.ho = t * NH;
      for (let k = 0, gi = t * NH; k < NH; k++) dh[k]! += g[gi + k]!;
      if (lstm) lstmBackward(at, offs, gates, dh, dc, pt < 0 ? c0d : cells!, po, tanhC!, dAx);
      else if (gru) gruBackward(at, offs, gates, dh, hPrev, po, hn!, dAx, dAh, dhNext);
      else rnnBackward(at, relu, out, dh, dAx);
      K.gemm(false, false, N, H, GH, dAh.subarray(t * NG, (t + 1) * NG), r.data, dhNext, gru);
      [dh, dhNext] = [dhNext, dh];
    }
    if (T === 0) return;
    if (x.requiresGrad) K.gemm(false, false, T * N, I, GH, dAx, w.data, x.gradBuffer(), true);
    if (w.requiresGrad) K.gemm(true, false, GH, I, T * N, dAx, x.data, w.gradBuffer(), true);
    if (r.requiresGrad) K.gemm(true, false, GH, H, T * N, dAh, hPrevAll, r.gradBuffer(), true);
    if (bw?.requiresGrad) sumRows(dAx, T * N, GH, bw.gradBuffer());
    if (br?.requiresGrad) sumRows(dAh, T * N, GH, br.gradBuffer());
    if (h0?.requiresGrad) addInto(h0.gradBuffer(), dh);
    if (c0?.requiresGrad) addInto(c0.gradBuffer(), dc);
  });
}

function sumRows(a: Float32Array, rows: number, cols: number, into: Float32Array): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) into[j]! += a[i * cols + j]!;
}

function addInto(into: Float32Array, a: Float32Array): void {
  for (let i = 0; i < into.length; i++) into[i]! += a[i]!;
}

/**
 * Rows 0..T−1 of a packed recurrent result [T + 2, N, F] as the output sequence: [T, N, F], or
 * [N, T, F] when `batchFirst`. One copy and one backward pass, where narrow + swap01 cost two each.
 */
export function sequenceOf(packed: Tensor, T: number, batchFirst: boolean): Tensor {
  const [, N, F] = packed.shape as [number, number, number];
  const src = packed.data;
  const out = new Float32Array(T * N * F);
  // Row (t, n) of the packed tensor lands at `at(t, n)` of the output.
  const at = batchFirst ? (t: number, n: number) => (n * T + t) * F : (t: number, n: number) => (t * N + n) * F;
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) out.set(src.subarray((t * N + n) * F, (t * N + n + 1) * F), at(t, n));
  return Tensor.fromOp(out, batchFirst ? [N, T, F] : [T, N, F], [packed], (g) => {
    const gp = packed.gradBuffer();
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        const d = (t * N + n) * F;
        const s = at(t, n);
        for (let f = 0; f < F; f++) gp[d + f]! += g[s + f]!;
      }
    }
  });
}
