// Optimizer passes in WebAssembly SIMD (src/tensor/wasm/resident.ts). They run on a memory of
// their own where the optimizer's moments, the gradients and a copy of the weights stay resident
// between steps: in JS the Adam loop over the MLP's ~100k weights took most of a batch-32 step
// (float64 sqrt and divide per weight); here it is four lanes per instruction.

/**
 * One Adam step over n floats in float32 (as PyTorch): m ← m + c1·(g − m); v ← b2·v + (c2·g)·g;
 * w ← w − (stepSize·m) / (√v / bc2Sqrt + eps), computed as w − (stepSize·bc2Sqrt)·m / (√v + eps·bc2Sqrt):
 * the same value to a rounding, with one divide per lane instead of two (the divider bounds this loop).
 */
export function adamStep(w: usize, g: usize, m: usize, v: usize, n: i32, c1: f32, b2: f32, c2: f32, stepSize: f32, bc2Sqrt: f32, eps: f32): void {
  const vc1 = f32x4.splat(c1);
  const vb2 = f32x4.splat(b2);
  const vc2 = f32x4.splat(c2);
  const ss = stepSize * bc2Sqrt;
  const ee = eps * bc2Sqrt;
  const vss2 = f32x4.splat(ss);
  const vee = f32x4.splat(ee);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    let mi = v128.load(m + o);
    mi = f32x4.add(mi, f32x4.mul(vc1, f32x4.sub(gi, mi)));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(f32x4.mul(vc2, gi), gi));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const den = f32x4.add(f32x4.sqrt(vi), vee);
    v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.div(f32x4.mul(vss2, mi), den)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    let mi = load<f32>(m + o);
    mi = mi + c1 * (gi - mi);
    const vi = b2 * load<f32>(v + o) + c2 * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, load<f32>(w + o) - (ss * mi) / (sqrt<f32>(vi) + ee));
  }
}

/** The weight average's fold, s ← s + e·(w − s), over n floats (src/nn/ema.ts). */
export function emaFold(s: usize, w: usize, n: i32, e: f32): void {
  const ve = f32x4.splat(e);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const si = v128.load(s + o);
    v128.store(s + o, f32x4.add(si, f32x4.mul(ve, f32x4.sub(v128.load(w + o), si))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const si = load<f32>(s + o);
    store<f32>(s + o, si + e * (load<f32>(w + o) - si));
  }
}
