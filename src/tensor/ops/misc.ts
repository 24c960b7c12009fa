/** Dropout and index picking (the gather that cross-entropy needs). */
import { Tensor } from '../tensor.js';
import { type Rng } from '../../core/rng.js';
import { shapeMismatch } from '../shape.js';
import { LeptonError } from '../../core/errors.js';

/** Inverted dropout: zero with probability p, scale survivors by 1/(1-p); identity when not training. */
export function dropout(x: Tensor, p: number, training: boolean, rng: Rng): Tensor {
  if (p < 0 || p >= 1) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `dropout p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const n = x.size;
  const mask = new Float32Array(n);
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) mask[i] = rng.next() >= p ? keep : 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x.data[i]! * mask[i]!;
  return Tensor.fromOp(out, x.shape, [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < n; i++) gx[i]! += g[i]! * mask[i]!;
  });
}

/** x [N, C], idx [N] → [N] with out[i] = x[i, idx[i]]. */
export function pick(x: Tensor, idx: Int32Array): Tensor {
  if (x.ndim !== 2 || x.shape[0] !== idx.length) throw shapeMismatch(`pick: [${x.shape}] with ${idx.length} indices`);
  const [N, C] = x.shape as [number, number];
  const out = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const c = idx[i]!;
    if (c < 0 || c >= C) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `class index ${c} out of range [0, ${C})`);
    out[i] = x.data[i * C + c]!;
  }
  return Tensor.fromOp(out, [N], [x], (g) => {
    const gx = x.gradBuffer();
    for (let i = 0; i < N; i++) gx[i * C + idx[i]!]! += g[i]!;
  });
}
