// Gate math of one recurrent time step (LSTM, GRU), forward and backward, in SIMD. The JS forms
// spend most of an LSTM epoch in Math.exp (five per hidden unit per step); here exp is a Cephes-style
// polynomial on four lanes (relative error ~2e-7, as good as f32 allows), so the step costs its
// memory traffic. Layouts mirror src/tensor/ops/recurrent-cells.ts: gate pre-activations `a` are
// rows [N, GH] with each gate's block at column offset o*, overwritten by the gate values.

// @ts-ignore: decorator
@inline function expv(x0: v128): v128 {
  const x = f32x4.min(f32x4.max(x0, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  // 2^n through the exponent bits; the clamp keeps n in [-126, 127], so the result stays normal.
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

// @ts-ignore: decorator
@inline function sigv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}

/** tanh as (1 − e)/(1 + e) with e = exp(−2|x|), sign restored: no overflow at any |x|. */
// @ts-ignore: decorator
@inline function tanhv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  const e = expv(f32x4.mul(f32x4.abs(x), f32x4.splat(-2.0)));
  const t = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

// Scalar tails (H not a multiple of 4) run the same formulas on lane 0.
// @ts-ignore: decorator
@inline function sig1(x: f32): f32 {
  return f32x4.extract_lane(sigv(f32x4.splat(x)), 0);
}
// @ts-ignore: decorator
@inline function tanh1(x: f32): f32 {
  return f32x4.extract_lane(tanhv(f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * LSTM (gates i, f, g, o): c = f⊙c' + i⊙g, h = o⊙tanh(c). a [N, GH]; cPrev, c, tanhC, h [N, H].
 */
export function lstmGates(a: usize, cPrev: usize, c: usize, tanhC: usize, h: usize, N: i32, H: i32, GH: i32, gi_: i32, gf_: i32, gg_: i32, go_: i32): void {
  for (let n = 0; n < N; n++) {
    const r = n * GH;
    const hr = n * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const ig = sigv(v128.load(at(a, r + gi_ + j)));
      const fg = sigv(v128.load(at(a, r + gf_ + j)));
      const gg = tanhv(v128.load(at(a, r + gg_ + j)));
      const og_ = sigv(v128.load(at(a, r + go_ + j)));
      v128.store(at(a, r + gi_ + j), ig);
      v128.store(at(a, r + gf_ + j), fg);
      v128.store(at(a, r + gg_ + j), gg);
      v128.store(at(a, r + go_ + j), og_);
      const cv = f32x4.add(f32x4.mul(fg, v128.load(at(cPrev, hr + j))), f32x4.mul(ig, gg));
      const tc = tanhv(cv);
      v128.store(at(c, hr + j), cv);
      v128.store(at(tanhC, hr + j), tc);
      v128.store(at(h, hr + j), f32x4.mul(og_, tc));
    }
    for (; j < H; j++) {
      const ig = sig1(load<f32>(at(a, r + gi_ + j)));
      const fg = sig1(load<f32>(at(a, r + gf_ + j)));
      const gg = tanh1(load<f32>(at(a, r + gg_ + j)));
      const og_ = sig1(load<f32>(at(a, r + go_ + j)));
      store<f32>(at(a, r + gi_ + j), ig);
      store<f32>(at(a, r + gf_ + j), fg);
      store<f32>(at(a, r + gg_ + j), gg);
      store<f32>(at(a, r + go_ + j), og_);
      const cv = fg * load<f32>(at(cPrev, hr + j)) + ig * gg;
      const tc = tanh1(cv);
      store<f32>(at(c, hr + j), cv);
      store<f32>(at(tanhC, hr + j), tc);
      store<f32>(at(h, hr + j), og_ * tc);
    }
  }
}

/**
 * GRU (gates r, z, n), PyTorch's form: n = tanh(a_n + r⊙(hp_n + b_hn)), h = (1−z)⊙n + z⊙h'.
 * a [N, GH] (input side), hp [N, GH] (R·h'), bn [GH] gr_ 0; hPrev, hn (gets hp_n + b_hn), h [N, H].
 */
export function gruGates(a: usize, hp: usize, bn: usize, hPrev: usize, hn: usize, h: usize, N: i32, H: i32, GH: i32, gr_: i32, gz_: i32, gn_: i32): void {
  const one = f32x4.splat(1.0);
  for (let n = 0; n < N; n++) {
    const r = n * GH;
    const hr = n * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const rg = sigv(f32x4.add(v128.load(at(a, r + gr_ + j)), v128.load(at(hp, r + gr_ + j))));
      const zg = sigv(f32x4.add(v128.load(at(a, r + gz_ + j)), v128.load(at(hp, r + gz_ + j))));
      let hnv = v128.load(at(hp, r + gn_ + j));
      if (bn != 0) hnv = f32x4.add(hnv, v128.load(at(bn, gn_ + j)));
      const ng = tanhv(f32x4.add(v128.load(at(a, r + gn_ + j)), f32x4.mul(rg, hnv)));
      v128.store(at(a, r + gr_ + j), rg);
      v128.store(at(a, r + gz_ + j), zg);
      v128.store(at(a, r + gn_ + j), ng);
      v128.store(at(hn, hr + j), hnv);
      v128.store(at(h, hr + j), f32x4.add(f32x4.mul(f32x4.sub(one, zg), ng), f32x4.mul(zg, v128.load(at(hPrev, hr + j)))));
    }
    for (; j < H; j++) {
      const rg = sig1(load<f32>(at(a, r + gr_ + j)) + load<f32>(at(hp, r + gr_ + j)));
      const zg = sig1(load<f32>(at(a, r + gz_ + j)) + load<f32>(at(hp, r + gz_ + j)));
      const hnv = load<f32>(at(hp, r + gn_ + j)) + (bn != 0 ? load<f32>(at(bn, gn_ + j)) : 0);
      const ng = tanh1(load<f32>(at(a, r + gn_ + j)) + rg * hnv);
      store<f32>(at(a, r + gr_ + j), rg);
      store<f32>(at(a, r + gz_ + j), zg);
      store<f32>(at(a, r + gn_ + j), ng);
      store<f32>(at(hn, hr + j), hnv);
      store<f32>(at(h, hr + j), (1 - zg) * ng + zg * load<f32>(at(hPrev, hr + j)));
    }
  }
}

/**
 * LSTM backward of one step: dA [N, GH] from dh (output gradient included) and dc; dc becomes the
 * gradient of c_{t−1}. `a` holds the forward pass's gate values.
 */
export function lstmGatesBackward(a: usize, dh: usize, dc: usize, cPrev: usize, tanhC: usize, dA: usize, N: i32, H: i32, GH: i32, gi_: i32, gf_: i32, gg_: i32, go_: i32): void {
  const one = f32x4.splat(1.0);
  for (let n = 0; n < N; n++) {
    const r = n * GH;
    const hr = n * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const ig = v128.load(at(a, r + gi_ + j));
      const fg = v128.load(at(a, r + gf_ + j));
      const gg = v128.load(at(a, r + gg_ + j));
      const og = v128.load(at(a, r + go_ + j));
      const tc = v128.load(at(tanhC, hr + j));
      const dhv = v128.load(at(dh, hr + j));
      const dcv = f32x4.add(v128.load(at(dc, hr + j)), f32x4.mul(f32x4.mul(dhv, og), f32x4.sub(one, f32x4.mul(tc, tc))));
      v128.store(at(dA, r + gi_ + j), f32x4.mul(f32x4.mul(dcv, gg), f32x4.mul(ig, f32x4.sub(one, ig))));
      v128.store(at(dA, r + gf_ + j), f32x4.mul(f32x4.mul(dcv, v128.load(at(cPrev, hr + j))), f32x4.mul(fg, f32x4.sub(one, fg))));
      v128.store(at(dA, r + gg_ + j), f32x4.mul(f32x4.mul(dcv, ig), f32x4.sub(one, f32x4.mul(gg, gg))));
      v128.store(at(dA, r + go_ + j), f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(og, f32x4.sub(one, og))));
      v128.store(at(dc, hr + j), f32x4.mul(dcv, fg));
    }
    for (; j < H; j++) {
      const ig = load<f32>(at(a, r + gi_ + j));
      const fg = load<f32>(at(a, r + gf_ + j));
      const gg = load<f32>(at(a, r + gg_ + j));
      const og = load<f32>(at(a, r + go_ + j));
      const tc = load<f32>(at(tanhC, hr + j));
      const dhv = load<f32>(at(dh, hr + j));
      const dcv = load<f32>(at(dc, hr + j)) + dhv * og * (1 - tc * tc);
      store<f32>(at(dA, r + gi_ + j), dcv * gg * ig * (1 - ig));
      store<f32>(at(dA, r + gf_ + j), dcv * load<f32>(at(cPrev, hr + j)) * fg * (1 - fg));
      store<f32>(at(dA, r + gg_ + j), dcv * ig * (1 - gg * gg));
      store<f32>(at(dA, r + go_ + j), dhv * tc * og * (1 - og));
      store<f32>(at(dc, hr + j), dcv * fg);
    }
  }
}

/** GRU backward of one step: dAx (input side) and dAh (recurrent side) [N, GH]; dhNext = z⊙dh. */
export function gruGatesBackward(a: usize, dh: usize, hPrev: usize, hn: usize, dAx: usize, dAh: usize, dhNext: usize, N: i32, H: i32, GH: i32, gr_: i32, gz_: i32, gn_: i32): void {
  const one = f32x4.splat(1.0);
  for (let n = 0; n < N; n++) {
    const r = n * GH;
    const hr = n * H;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const rg = v128.load(at(a, r + gr_ + j));
      const zg = v128.load(at(a, r + gz_ + j));
      const ng = v128.load(at(a, r + gn_ + j));
      const dhv = v128.load(at(dh, hr + j));
      const dan = f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, zg)), f32x4.sub(one, f32x4.mul(ng, ng)));
      const dar = f32x4.mul(f32x4.mul(dan, v128.load(at(hn, hr + j))), f32x4.mul(rg, f32x4.sub(one, rg)));
      const daz = f32x4.mul(f32x4.mul(dhv, f32x4.sub(v128.load(at(hPrev, hr + j)), ng)), f32x4.mul(zg, f32x4.sub(one, zg)));
      v128.store(at(dAx, r + gr_ + j), dar);
      v128.store(at(dAx, r + gz_ + j), daz);
      v128.store(at(dAx, r + gn_ + j), dan);
      v128.store(at(dAh, r + gr_ + j), dar);
      v128.store(at(dAh, r + gz_ + j), daz);
      v128.store(at(dAh, r + gn_ + j), f32x4.mul(dan, rg));
      v128.store(at(dhNext, hr + j), f32x4.mul(dhv, zg));
    }
    for (; j < H; j++) {
      const rg = load<f32>(at(a, r + gr_ + j));
      const zg = load<f32>(at(a, r + gz_ + j));
      const ng = load<f32>(at(a, r + gn_ + j));
      const dhv = load<f32>(at(dh, hr + j));
      const dan = dhv * (1 - zg) * (1 - ng * ng);
      const dar = dan * load<f32>(at(hn, hr + j)) * rg * (1 - rg);
      const daz = dhv * (load<f32>(at(hPrev, hr + j)) - ng) * zg * (1 - zg);
      store<f32>(at(dAx, r + gr_ + j), dar);
      store<f32>(at(dAx, r + gz_ + j), daz);
      store<f32>(at(dAx, r + gn_ + j), dan);
      store<f32>(at(dAh, r + gr_ + j), dar);
      store<f32>(at(dAh, r + gz_ + j), daz);
      store<f32>(at(dAh, r + gn_ + j), dan * rg);
      store<f32>(at(dhNext, hr + j), dhv * zg);
    }
  }
}

/** into[j] += Σ_i a[i, j] over a [rows, cols]: the bias gradients of a whole sequence. */
export function sumRows(a: usize, rows: i32, cols: i32, into: usize): void {
  for (let i = 0; i < rows; i++) {
    const row = a + (<usize>(i * cols) << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) v128.store(at(into, j), f32x4.add(v128.load(at(into, j)), v128.load(at(row, j))));
    for (; j < cols; j++) store<f32>(at(into, j), load<f32>(at(into, j)) + load<f32>(at(row, j)));
  }
}
