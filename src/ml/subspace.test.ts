// PCA's 'covariance-randomized' solver (randomized subspace iteration on the covariance) must find
// the same leading components and variances as the full eigendecomposition, and the Cholesky-QR
// orthonormalisation must give orthonormal columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { PCA } from './pca.js';
import { orthonormalize } from './subspace.js';

/** n rows in d dims with a decaying spectrum: column j scaled by 1/(1 + j/4), then mixed. */
function decaying(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const mix = Array.from({ length: d * d }, () => rng.normal() / Math.sqrt(d));
  const x = new Float32Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[j] = rng.normal() / (1 + j / 4);
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (z[j] as number) * (mix[j * d + c] as number);
      x[i * d + c] = s + 3;
    }
  }
  return x;
}

test('covariance-randomized PCA matches the full solver on the leading components', () => {
  const n = 1500;
  const d = 120;
  const k = 12;
  const X = { data: decaying(n, d, 1), rows: n, cols: d };
  const full = new PCA({ nComponents: k, solver: 'full' }).fit(X);
  const fast = new PCA({ nComponents: k, solver: 'covariance-randomized', seed: 2 }).fit(X);
  for (let c = 0; c < k; c++) {
    const a = full.explainedVariance[c] as number;
    assert.ok(Math.abs((fast.explainedVariance[c] as number) - a) < 1e-3 * a, `variance ${c}`);
    // Same axis, same sign (svd_flip): |1 − cos| small.
    let dot = 0;
    for (let j = 0; j < d; j++) dot += (full.components![c * d + j] as number) * (fast.components![c * d + j] as number);
    assert.ok(dot > 0.999, `component ${c}: cos ${dot}`);
  }
  assert.ok(Math.abs(fast.noiseVariance - full.noiseVariance) < 1e-3 * full.noiseVariance);
  assert.throws(() => new PCA({ nComponents: 0.9, solver: 'covariance-randomized' }).fit(X), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
  // fitTransform reuses the fit's svd_flip projections: the same as transform after fit.
  for (const whiten of [false, true]) {
    const p = new PCA({ nComponents: k, solver: 'covariance-randomized', seed: 2, whiten });
    const z = p.fitTransform(X).data;
    const t = p.transform(X).data;
    z.forEach((v, i) => assert.ok(Math.abs(v - (t[i] as number)) < 1e-4 * (1 + Math.abs(v)), `fitTransform[${i}]`));
  }
});

test('Cholesky QR orthonormalises badly scaled, nearly dependent columns', () => {
  const d = 200;
  const l = 20;
  const rng = new Rng(3);
  const Y = new Float32Array(d * l);
  for (let i = 0; i < d; i++) {
    const common = rng.normal();
    for (let c = 0; c < l; c++) Y[i * l + c] = (common + 1e-2 * rng.normal()) * 10 ** (c % 4);
  }
  orthonormalize(Y, d, l);
  for (let a = 0; a < l; a++) {
    for (let b = 0; b < l; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (Y[i * l + a] as number) * (Y[i * l + b] as number);
      assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-4, `QᵀQ[${a},${b}] = ${s}`);
    }
  }
});
