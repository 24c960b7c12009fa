/**
 * The forward time loop of an LSTM or GRU layer direction on wasm memory. Everything the loop
 * touches is copied in once ([T, N, GH] pre-activations, the weights, the initial state) and the
 * results once out; R is packed once for all steps. Each step is then one packA of h_{t−1}
 * ([N, H], small), one GEMM on the calling thread, and one SIMD gate pass. Per-step GEMMs here are
 * ~4 MFLOP: handing half of one to the helper thread costs more than it saves, so none is.
 * The backward loop is laid out the same way (R packed once, dA_t·R per step on this thread).
 */
import { type RecurrentBackward, type RecurrentForward } from '../kernels/types.js';
import { align } from './arena.js';
import { type WasmContext } from './context.js';

export function recurrentForward(ctx: WasmContext, p: RecurrentForward): boolean {
  const { ex, arena: ar, MR, NR } = ctx;
  const { T, N, H, reverse, offs } = p;
  const lstm = p.cell === 'lstm';
  const G = lstm ? 4 : 3;
  const GH = G * H;
  const NH = N * H;
  const NG = N * GH;
  if (T === 0 || N === 0) return true;
  // Layout: xp [T, N, GH] | out [T, N, H] | cells or hn [T, N, H] | tanhC [T, N, H] | h0 | c0 | R | bn | hp [N, GH] | packs | tmp
  const xpOff = ar.base;
  const outOff = align(xpOff + 4 * T * NG);
  const s1Off = align(outOff + 4 * T * NH);
  const s2Off = align(s1Off + 4 * T * NH);
  const h0Off = align(s2Off + (lstm ? 4 * T * NH : 0));
  const c0Off = align(h0Off + 4 * NH);
  const rOff = align(c0Off + 4 * NH);
  const bnOff = align(rOff + 4 * GH * H);
  const hpOff = align(bnOff + 4 * GH);
  const apOff = align(hpOff + 4 * NG);
  const bpOff = align(apOff + 4 * Math.ceil(N / MR) * MR * H);
  const tmpOff = align(bpOff + 4 * Math.ceil(GH / NR) * NR * H);
  if (!ar.reserve(tmpOff + 4 * MR * NR)) return false;
  ar.put(p.xp, xpOff, T * NG);
  ar.put(p.r, rOff, GH * H);
  if (p.h0) ar.put(p.h0, h0Off, NH);
  else ar.zero(h0Off, NH);
  if (lstm && p.c0) ar.put(p.c0, c0Off, NH);
  else ar.zero(c0Off, NH);
  const bn = !lstm && p.bn ? bnOff : 0;
  if (p.bn && !lstm) ar.put(p.bn, bnOff, GH);
  ex.packB(1, H, GH, rOff, bpOff); // op(B) = Rᵀ: [H, GH]
  const [o0, o1, o2, o3] = [offs[0]!, offs[1]!, offs[2]!, lstm ? offs[3]! : 0];
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const pt = reverse ? t + 1 : t - 1; // the previous step's time index (s > 0)
    const hPrev = s === 0 ? h0Off : outOff + 4 * pt * NH;
    const hasPrev = s > 0 || p.h0 !== null;
    const at = xpOff + 4 * t * NG;
    const target = lstm ? at : hpOff; // LSTM adds R·h onto the pre-activations; GRU keeps it apart
    if (hasPrev) {
      ex.packA(0, N, H, hPrev, apOff);
      ex.gemmTile(N, GH, H, apOff, bpOff, target, 0, N, 0, GH, tmpOff, lstm ? 1 : 0);
    } else if (!lstm) {
      ar.zero(hpOff, NG);
    }
    const ht = outOff + 4 * t * NH;
    if (lstm) {
      const cPrev = s === 0 ? c0Off : s1Off + 4 * pt * NH;
      ex.lstmGates(at, cPrev, s1Off + 4 * t * NH, s2Off + 4 * t * NH, ht, N, H, GH, o0, o1, o2, o3);
    } else {
      ex.gruGates(at, hpOff, bn, hPrev, s1Off + 4 * t * NH, ht, N, H, GH, o0, o1, o2);
    }
  }
  ar.take(p.xp, xpOff, T * NG);
  ar.take(p.out, outOff, T * NH);
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
  const lstm = p.cell === 'lstm';
  const GH = (lstm ? 4 : 3) * H;
  const NH = N * H;
  const NG = N * GH;
  if (T === 0 || N === 0) return false;
  // Layout: gates | dAx | dAh (GRU) | g [T+2, N, H] | out | cells or hn | tanhC | h0 | c0 | R | dh | dhNext | dc | packs | tmp
  const gatesOff = ar.base;
  const dAxOff = align(gatesOff + 4 * T * NG);
  const dAhOff = align(dAxOff + 4 * T * NG);
  const gOff = align(dAhOff + (lstm ? 0 : 4 * T * NG));
  const outOff = align(gOff + 4 * (T + 2) * NH);
  const s1Off = align(outOff + 4 * T * NH);
  const s2Off = align(s1Off + 4 * T * NH);
  const h0Off = align(s2Off + (lstm ? 4 * T * NH : 0));
  const c0Off = align(h0Off + 4 * NH);
  const rOff = align(c0Off + 4 * NH);
  let dhOff = align(rOff + 4 * GH * H);
  let dhNextOff = align(dhOff + 4 * NH);
  const dcOff = align(dhNextOff + 4 * NH);
  const apOff = align(dcOff + 4 * NH);
  const bpOff = align(apOff + 4 * Math.ceil(N / MR) * MR * GH);
  const tmpOff = align(bpOff + 4 * Math.ceil(H / NR) * NR * GH);
  const sumOff = align(tmpOff + 4 * MR * NR);
  if (!ar.reserve(sumOff + 4 * GH)) return false;
  ar.put(p.gates, gatesOff, T * NG);
  ar.put(p.g, gOff, (T + 2) * NH);
  ar.put(p.out, outOff, T * NH);
  if (lstm) {
    ar.put(p.cells!, s1Off, T * NH);
    ar.put(p.tanhC!, s2Off, T * NH);
  } else {
    ar.put(p.hn!, s1Off, T * NH);
  }
  if (p.h0) ar.put(p.h0, h0Off, NH);
  else ar.zero(h0Off, NH);
  if (lstm && p.c0) ar.put(p.c0, c0Off, NH);
  else ar.zero(c0Off, NH);
  ar.put(p.r, rOff, GH * H);
  ex.packB(0, GH, H, rOff, bpOff); // op(B) = R: [GH, H]
  ar.view.copyWithin(dhOff >> 2, (gOff >> 2) + T * NH, (gOff >> 2) + (T + 1) * NH); // dh = g of the final h
  ar.view.copyWithin(dcOff >> 2, (gOff >> 2) + (T + 1) * NH, (gOff >> 2) + (T + 2) * NH); // dc = g of the final c
  const [o0, o1, o2, o3] = [offs[0]!, offs[1]!, offs[2]!, lstm ? offs[3]! : 0];
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const pt = reverse ? t + 1 : t - 1;
    const hPrev = s === 0 ? h0Off : outOff + 4 * pt * NH;
    ex.addInto(dhOff, gOff + 4 * t * NH, NH); // the output's own gradient at this step
    const at = gatesOff + 4 * t * NG;
    const dA = dAxOff + 4 * t * NG;
    if (lstm) {
      const cPrev = s === 0 ? c0Off : s1Off + 4 * pt * NH;
      ex.lstmGatesBackward(at, dhOff, dcOff, cPrev, s2Off + 4 * t * NH, dA, N, H, GH, o0, o1, o2, o3);
    } else {
      ex.gruGatesBackward(at, dhOff, hPrev, s1Off + 4 * t * NH, dA, dAhOff + 4 * t * NG, dhNextOff, N, H, GH, o0, o1, o2);
    }
    // dh_{t−1} (+)= dA_t·R: GRU adds onto the direct path z⊙dh its gate pass wrote.
    ex.packA(0, N, GH, lstm ? dA : dAhOff + 4 * t * NG, apOff);
    ex.gemmTile(N, H, GH, apOff, bpOff, dhNextOff, 0, N, 0, H, tmpOff, lstm ? 0 : 1);
    [dhOff, dhNextOff] = [dhNextOff, dhOff];
  }
  for (const [into, from] of [[p.dbw, dAxOff], [p.dbh, lstm ? dAxOff : dAhOff]] as const) {
    if (!into) continue;
    ar.put(into, sumOff, GH);
    ex.sumRows(from, T * N, GH, sumOff);
    ar.take(into, sumOff, GH);
  }
  ar.take(p.dAx, dAxOff, T * NG);
  if (!lstm && p.dAh) ar.take(p.dAh, dAhOff, T * NG);
  ar.take(p.dh, dhOff, NH);
  ar.take(p.dc, dcOff, NH);
  return true;
}
