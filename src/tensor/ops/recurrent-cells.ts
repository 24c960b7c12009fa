/**
 * The pointwise gate math of one time step, forward and backward, for each recurrent cell, split
 * out per cell so each inner loop is branch-free. Gate pre-activations arrive in `a` (the input
 * projection with the recurrent GEMM already added) and are overwritten in place by the gate
 * values, which the backward step reads. `o` holds each gate's column offset (block index × H).
 * tanh and the sigmoid go through one Math.exp each, which V8 runs several times faster than Math.tanh.
 */

export const sigm = (v: number): number => 1 / (1 + Math.exp(-v));

export function tanhf(v: number): number {
  const e = Math.exp(-2 * Math.abs(v));
  const t = (1 - e) / (1 + e);
  return v < 0 ? -t : t;
}

/** Where the step's data sits: rows [N, GH] of `a` at `ao`; h/c rows [N, H] at `ho`. */
export interface StepAt {
  N: number;
  H: number;
  GH: number;
  ao: number;
  ho: number;
}

/** LSTM (gates i, f, g, o at o[0..3]): c = f⊙c' + i⊙g, h = o⊙tanh(c). */
export function lstmForward(s: StepAt, o: Int32Array, a: Float32Array, cPrev: Float32Array, cpo: number, cells: Float32Array, tanhC: Float32Array, out: Float32Array): void {
  const { N, H, GH } = s;
  const [oi, of, og, oo] = [o[0]!, o[1]!, o[2]!, o[3]!];
  for (let n = 0; n < N; n++) {
    const r = s.ao + n * GH;
    const hr = s.ho + n * H;
    const cr = cpo + n * H;
    for (let j = 0; j < H; j++) {
      const ig = sigm(a[r + oi + j]!);
      const fg = sigm(a[r + of + j]!);
      const gg = tanhf(a[r + og + j]!);
      const og_ = sigm(a[r + oo + j]!);
      a[r + oi + j] = ig;
      a[r + of + j] = fg;
      a[r + og + j] = gg;
      a[r + oo + j] = og_;
      const c = fg * cPrev[cr + j]! + ig * gg;
      const tc = tanhf(c);
      cells[hr + j] = c;
      tanhC[hr + j] = tc;
      out[hr + j] = og_ * tc;
    }
  }
}

/** dA (at s.ao) from dh (incl. the output gradient) and dc; dc becomes the gradient of c'. */
export function lstmBackward(s: StepAt, o: Int32Array, gates: Float32Array, dh: Float32Array, dc: Float32Array, cPrev: Float32Array, cpo: number, tanhC: Float32Array, dA: Float32Array): void {
  const { N, H, GH } = s;
  const [oi, of, og, oo] = [o[0]!, o[1]!, o[2]!, o[3]!];
  for (let n = 0; n < N; n++) {
    const r = s.ao + n * GH;
    const hr = s.ho + n * H;
    const k0 = n * H;
    const cr = cpo + n * H;
    for (let j = 0; j < H; j++) {
      const ig = gates[r + oi + j]!;
      const fg = gates[r + of + j]!;
      const gg = gates[r + og + j]!;
      const og_ = gates[r + oo + j]!;
      const tc = tanhC[hr + j]!;
      const dhv = dh[k0 + j]!;
      const dcv = dc[k0 + j]! + dhv * og_ * (1 - tc * tc);
      dA[r + oi + j] = dcv * gg * ig * (1 - ig);
      dA[r + of + j] = dcv * cPrev[cr + j]! * fg * (1 - fg);
      dA[r + og + j] = dcv * ig * (1 - gg * gg);
      dA[r + oo + j] = dhv * tc * og_ * (1 - og_);
      dc[k0 + j] = dcv * fg;
    }
  }
}

/**
 * GRU (gates r, z, n at o[0..2]), PyTorch's form: n = tanh(a_n + r⊙hn) with hn = R_n h' + b_hn
 * (taken from `hp`, the recurrent product, plus `bn`), h = (1−z)⊙n + z⊙h'. `a` holds only the input side.
 */
export function gruForward(s: StepAt, o: Int32Array, a: Float32Array, hp: Float32Array, bn: Float32Array | null, hPrev: Float32Array, hpo: number, hn: Float32Array, out: Float32Array): void {
  const { N, H, GH } = s;
  const [or, oz, on] = [o[0]!, o[1]!, o[2]!];
  for (let n = 0; n < N; n++) {
    const r = s.ao + n * GH;
    const pr = n * GH;
    const hr = s.ho + n * H;
    const prv = hpo + n * H;
    for (let j = 0; j < H; j++) {
      const rg = sigm(a[r + or + j]! + hp[pr + or + j]!);
      const zg = sigm(a[r + oz + j]! + hp[pr + oz + j]!);
      const hnv = hp[pr + on + j]! + (bn ? bn[on + j]! : 0);
      const ng = tanhf(a[r + on + j]! + rg * hnv);
      a[r + or + j] = rg;
      a[r + oz + j] = zg;
      a[r + on + j] = ng;
      hn[hr + j] = hnv;
      out[hr + j] = (1 - zg) * ng + zg * hPrev[prv + j]!;
    }
  }
}

/** dAx (input side) and dAh (recurrent side) at s.ao; dhNext gets the direct path z⊙dh. */
export function gruBackward(s: StepAt, o: Int32Array, gates: Float32Array, dh: Float32Array, hPrev: Float32Array, hpo: number, hn: Float32Array, dAx: Float32Array, dAh: Float32Array, dhNext: Float32Array): void {
  const { N, H, GH } = s;
  const [or, oz, on] = [o[0]!, o[1]!, o[2]!];
  for (let n = 0; n < N; n++) {
    const r = s.ao + n * GH;
    const hr = s.ho + n * H;
    const k0 = n * H;
    const prv = hpo + n * H;
    for (let j = 0; j < H; j++) {
      const rg = gates[r + or + j]!;
      const zg = gates[r + oz + j]!;
      const ng = gates[r + on + j]!;
      const dhv = dh[k0 + j]!;
      const dan = dhv * (1 - zg) * (1 - ng * ng);
      const dar = dan * hn[hr + j]! * rg * (1 - rg);
      const daz = dhv * (hPrev[prv + j]! - ng) * zg * (1 - zg);
      dAx[r + or + j] = dar;
      dAx[r + oz + j] = daz;
      dAx[r + on + j] = dan;
      dAh[r + or + j] = dar;
      dAh[r + oz + j] = daz;
      dAh[r + on + j] = dan * rg;
      dhNext[k0 + j] = dhv * zg;
    }
  }
}

/** Elman cell: h = tanh(a) or relu(a). */
export function rnnForward(s: StepAt, relu: boolean, a: Float32Array, out: Float32Array): void {
  const { N, H } = s;
  for (let n = 0; n < N; n++) {
    const r = s.ao + n * H;
    const hr = s.ho + n * H;
    if (relu) for (let j = 0; j < H; j++) out[hr + j] = Math.max(0, a[r + j]!);
    else for (let j = 0; j < H; j++) out[hr + j] = tanhf(a[r + j]!);
  }
}

export function rnnBackward(s: StepAt, relu: boolean, out: Float32Array, dh: Float32Array, dA: Float32Array): void {
  const { N, H } = s;
  for (let n = 0; n < N; n++) {
    const r = s.ao + n * H;
    const hr = s.ho + n * H;
    const k0 = n * H;
    for (let j = 0; j < H; j++) {
      const h = out[hr + j]!;
      dA[r + j] = relu ? (h > 0 ? dh[k0 + j]! : 0) : dh[k0 + j]! * (1 - h * h);
    }
  }
}
