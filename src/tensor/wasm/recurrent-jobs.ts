/**
 * An LSTM or GRU layer direction on wasm memory, forward and backward. Operands are copied in once
 * and results once out: the input projection of all steps is one GEMM there, R is packed once, and
 * each step is one packA of h_{t−1} (or dA_t), one GEMM on the calling thread, and one SIMD gate pass.
 * Per-step GEMMs here are ~4 MFLOP: handing half of one to the helper thread costs more than it saves,
 * so none is; the big ones (projection, dW, dR, dx) use gemmAt and share with the helper.
 * h_{t−1} for every step sits contiguous for dR: the h rows are laid out [h0 | h_0 … h_{T−1} | h0].
 */
import { type RecurrentBackward, type RecurrentForward } from '../kernels/types.js';
import { align } from './arena.js';
import { type WasmContext } from './context.js';
import { gemmAt, gemmScratchBytes } from './gemm-job.js';

/** Byte-offset bump allocator over the arena from its base. */
function layout(start: number): { at: (floats: number) => number; end: () => number } {
  let next = start;
  return {
    at(floats) {
      const off = next;
      next = align(next + 4 * floats);
      return off;
    },
    end: () => next,
  };
}

/** h rows [T + 2, N, H]: h0, then h_t by time index, then h0 again; h_{t−1} of step order is contiguous either way. */
function hRows(base: number, T: number, NH: number, reverse: boolean) {
  const row = (i: number) => base + 4 * i * NH;
  return {
    out: row(1),
    /** Row of h_{t−1} for time t (the initial state at the first step processed). */
    prev: (t: number) => (reverse ? row(t + 2) : row(t)),
    /** Start of [T, N, H] h_{t−1} by time index. */
    prevAll: reverse ? row(2) : row(0),
    h0Rows: [row(0), row(T + 1)] as const,
  };
}

/** Sizes both directions derive from a call: gates per step GH (4H LSTM, 3H GRU), rows N·H and N·GH. */
function sizes(p: RecurrentForward | RecurrentBackward): { I: number; lstm: boolean; GH: number; NH: number; NG: number } {
  const lstm = p.cell === 'lstm';
  const GH = (lstm ? 4 : 3) * p.H;
  return { I: p.input.inputSize, lstm, GH, NH: p.N * p.H, NG: p.N * GH };
}

export function recurrentForward(ctx: WasmContext, p: RecurrentForward): boolean {
  const { ex, arena: ar, MR, NR } = ctx;
  const { T, N, H, reverse, offs } = p;
  const { I, lstm, GH, NH, NG } = sizes(p);
  if (T === 0 || N === 0) return false;
  const L = layout(ar.base);
  const xpOff = L.at(T * NG);
  const hAll = L.at((T + 2) * NH);
  const s1Off = L.at(T * NH); // c_t (LSTM) or R_n h + b_hn (GRU)
  const s2Off = L.at(lstm ? T * NH : 0); // tanh(c_t)
  const c0Off = L.at(NH);
  const rOff = L.at(GH * H);
  const bnOff = L.at(GH);
  const hpOff = L.at(NG);
  const xOff = L.at(T * N * I);
  const wOff = L.at(GH * I);
  const apOff = L.at(Math.ceil(N / MR) * MR * H);
  const bpOff = L.at(Math.ceil(GH / NR) * NR * H);
  const tmpOff = L.at(MR * NR);
  const scratch = L.end();
  if (!ar.reserve(scratch + gemmScratchBytes(ctx, T * N, GH, I))) return false;
  const h = hRows(hAll, T, NH, reverse);
  for (const r of h.h0Rows) {
    if (p.h0) ar.put(p.h0, r, NH);
    else ar.zero(r, NH);
  }
  if (lstm && p.c0) ar.put(p.c0, c0Off, NH);
  else ar.zero(c0Off, NH);
  ar.put(p.r, rOff, GH * H);
  const bn = !lstm && p.bn ? bnOff : 0;
  if (bn) ar.put(p.bn!, bnOff, GH);
  // Input projection: every row of xp starts as the bias row, then += x·Wᵀ.
  const b = p.input.bias;
  if (b) {
    ar.put(b, xpOff, GH);
    for (let rows = 1; rows < T * N; rows *= 2) ar.view.copyWithin((xpOff >> 2) + rows * GH, xpOff >> 2, (xpOff >> 2) + Math.min(rows, T * N - rows) * GH);
  }
  ar.put(p.input.x, xOff, T * N * I);
  ar.put(p.input.w, wOff, GH * I);
  gemmAt(ctx, false, true, T * N, GH, I, xOff, wOff, xpOff, scratch, b !== null);
  ex.packB(1, H, GH, rOff, bpOff); // op(B) = Rᵀ: [H, GH]
  const [o0, o1, o2, o3] = [offs[0]!, offs[1]!, offs[2]!, lstm ? offs[3]! : 0];
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const pt = reverse ? t + 1 : t - 1; // the previous step's time index (s > 0)
    const hPrev = h.prev(t);
    const at = xpOff + 4 * t * NG;
    const target = lstm ? at : hpOff; // LSTM adds R·h onto the pre-activations; GRU keeps it apart
    if (s > 0 || p.h0 !== null) {
      ex.packA(0, N, H, hPrev, apOff);
      ex.gemmTile(N, GH, H, apOff, bpOff, target, 0, N, 0, GH, tmpOff, lstm ? 1 : 0);
    } else if (!lstm) {
      ar.zero(hpOff, NG);
    }
    const ht = h.out + 4 * t * NH;
    if (lstm) {
      const cPrev = s === 0 ? c0Off : s1Off + 4 * pt * NH;
      ex.lstmGates(at, cPrev, s1Off + 4 * t * NH, s2Off + 4 * t * NH, ht, N, H, GH, o0, o1, o2, o3);
    } else {
      ex.gruGates(at, hpOff, bn, hPrev, s1Off + 4 * t * NH, ht, N, H, GH, o0, o1, o2);
    }
  }
  ar.take(p.xp, xpOff, T * NG);
  ar.take(p.out, h.out, T * NH);
  if (lstm) {
    if (p.cells) ar.take(p.cells, s1Off, T * NH);
    if (p.tanhC) ar.take(p.tanhC, s2Off, T * NH);
  } else if (p.hn) {
    ar.take(p.hn, s1Off, T * NH);
  }
  return true;
}

export function recurrentBackward(ctx: WasmContext, p: RecurrentBackward): boolean {
  const { ex, arena: ar, MR, NR } = ctx;
  const { T, N, H, reverse, offs } = p;
  const { I, lstm, GH, NH, NG } = sizes(p);
  if (T === 0 || N === 0) return false;
  const L = layout(ar.base);
  const gatesOff = L.at(T * NG);
  const dAxOff = L.at(T * NG);
  const dAhOff = lstm ? dAxOff : L.at(T * NG);
  const gOff = L.at((T + 2) * NH);
  const hAll = L.at((T + 2) * NH);
  const s1Off = L.at(T * NH);
  const s2Off = L.at(lstm ? T * NH : 0);
  const c0Off = L.at(NH);
  const rOff = L.at(GH * H);
  let dhOff = L.at(NH);
  let dhNextOff = L.at(NH);
  const dcOff = L.at(NH);
  const xOff = L.at(T * N * I);
  const wOff = L.at(GH * I);
  const dxOff = L.at(p.dx ? T * N * I : 0);
  const dwOff = L.at(GH * I);
  const drOff = L.at(GH * H);
  const sumOff = L.at(GH);
  const apOff = L.at(Math.ceil(N / MR) * MR * GH);
  const bpOff = L.at(Math.ceil(H / NR) * NR * GH);
  const tmpOff = L.at(MR * NR);
  const scratch = L.end();
  const need = Math.max(gemmScratchBytes(ctx, GH, I, T * N), gemmScratchBytes(ctx, GH, H, T * N), gemmScratchBytes(ctx, T * N, I, GH));
  if (!ar.reserve(scratch + need)) return false;
  const h = hRows(hAll, T, NH, reverse);
  ar.put(p.gates, gatesOff, T * NG);
  ar.put(p.g, gOff, (T + 2) * NH);
  ar.put(p.out, h.out, T * NH);
  for (const r of h.h0Rows) {
    if (p.h0) ar.put(p.h0, r, NH);
    else ar.zero(r, NH);
  }
  if (lstm) {
    ar.put(p.cells!, s1Off, T * NH);
    ar.put(p.tanhC!, s2Off, T * NH);
  } else {
    ar.put(p.hn!, s1Off, T * NH);
  }
  if (lstm && p.c0) ar.put(p.c0, c0Off, NH);
  else ar.zero(c0Off, NH);
  ar.put(p.r, rOff, GH * H);
  ar.put(p.dh, dhOff, NH);
  ar.put(p.dc, dcOff, NH);
  ex.packB(0, GH, H, rOff, bpOff); // op(B) = R: [GH, H]
  const [o0, o1, o2, o3] = [offs[0]!, offs[1]!, offs[2]!, lstm ? offs[3]! : 0];
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const pt = reverse ? t + 1 : t - 1;
    ex.addInto(dhOff, gOff + 4 * t * NH, NH); // the output's own gradient at this step
    const at = gatesOff + 4 * t * NG;
    const dA = dAxOff + 4 * t * NG;
    if (lstm) {
      const cPrev = s === 0 ? c0Off : s1Off + 4 * pt * NH;
      ex.lstmGatesBackward(at, dhOff, dcOff, cPrev, s2Off + 4 * t * NH, dA, N, H, GH, o0, o1, o2, o3);
    } else {
      ex.gruGatesBackward(at, dhOff, h.prev(t), s1Off + 4 * t * NH, dA, dAhOff + 4 * t * NG, dhNextOff, N, H, GH, o0, o1, o2);
    }
    // dh_{t−1} (+)= dA_t·R: GRU adds onto the direct path z⊙dh its gate pass wrote.
    ex.packA(0, N, GH, dAhOff + 4 * t * NG, apOff);
    ex.gemmTile(N, H, GH, apOff, bpOff, dhNextOff, 0, N, 0, H, tmpOff, lstm ? 0 : 1);
    [dhOff, dhNextOff] = [dhNextOff, dhOff];
  }
  ar.take(p.dh, dhOff, NH);
  ar.take(p.dc, dcOff, NH);
  // Weight gradients from the whole sequence at once: dW += dAxᵀ·x, dR += dAhᵀ·h_{t−1}, dx += dAx·W.
  const weights: Array<[Float32Array | null, number, () => void]> = [
    [p.dw, dwOff, () => gemmAt(ctx, true, false, GH, I, T * N, dAxOff, xOff, dwOff, scratch, true)],
    [p.dr, drOff, () => gemmAt(ctx, true, false, GH, H, T * N, dAhOff, h.prevAll, drOff, scratch, true)],
  ];
  if (p.dw || p.dx) {
    ar.put(p.input.x, xOff, T * N * I);
    ar.put(p.input.w, wOff, GH * I);
  }
  for (const [into, off, run] of weights) {
    if (!into) continue;
    ar.put(into, off, into === p.dw ? GH * I : GH * H);
    run();
    ar.take(into, off, into === p.dw ? GH * I : GH * H);
  }
  if (p.dx) {
    ar.put(p.dx, dxOff, T * N * I);
    gemmAt(ctx, false, false, T * N, I, GH, dAxOff, wOff, dxOff, scratch, true);
    ar.take(p.dx, dxOff, T * N * I);
  }
  for (const [into, from] of [[p.dbw, dAxOff], [p.dbh, dAhOff]] as const) {
    if (!into) continue;
    ar.put(into, sumOff, GH);
    ex.sumRows(from, T * N, GH, sumOff);
    ar.take(into, sumOff, GH);
  }
  return true;
}
