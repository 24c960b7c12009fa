/**
 * Occlusion (Zeiler & Fergus 2014), as Captum computes it: slide a window over the image (all
 * channels at once), replace it with a baseline value, and credit each covered pixel with the drop
 * of the target logit, averaged over the windows that covered it. Forward passes only, batched,
 * so it works on any model, differentiable or not.
 */
import { invalidArgument } from '../core/errors.js';
import { type Differentiable, imageDimsOf, logits, resolveTarget, sampleSize } from './differentiable.js';

export interface OcclusionOptions {
  target?: number;
  /** Window [height, width] (or a square side). Default 4 (a flat input: [1, 4]). */
  window?: number | [number, number];
  /** Step between windows, [h, w] or one number. Default: the window (no overlap). */
  stride?: number | [number, number];
  /** What an occluded pixel becomes. Default 0. */
  baselineValue?: number;
  /** Occluded copies per forward pass. Default 64. */
  batchSize?: number;
}

export interface OcclusionResult {
  method: 'occlusion';
  target: number;
  scores: Float32Array;
  attributions: Float32Array;
  windows: number;
}

const pair = (v: number | [number, number], flat: boolean): [number, number] => (typeof v === 'number' ? (flat ? [1, v] : [v, v]) : v);

/** Window start offsets along one axis of length n (the last window ends at the edge). */
function starts(n: number, win: number, stride: number): number[] {
  const out: number[] = [];
  for (let s = 0; s + win <= n; s += stride) out.push(s);
  return out;
}

export function occlusion(m: Differentiable, x: Float32Array, o: OcclusionOptions = {}): OcclusionResult {
  const size = sampleSize(m);
  if (x.length !== size) throw invalidArgument(`input has ${x.length} values; shape [${m.inputShape}] needs ${size}`);
  const [C, H, W] = imageDimsOf(m);
  const flat = H === 1;
  const [wh, ww] = pair(o.window ?? 4, flat);
  const [sh, sw] = pair(o.stride ?? [wh, ww], flat);
  for (const v of [wh, ww, sh, sw]) if (!Number.isInteger(v) || v < 1) throw invalidArgument(`occlusion window and stride must be positive integers`);
  if (wh > H || ww > W) throw invalidArgument(`occlusion window ${wh}×${ww} is larger than the input ${H}×${W}`);
  const fill = o.baselineValue ?? 0;
  const { target, scores } = resolveTarget(m, x, o.target);
  const f0 = scores[target]!;
  const boxes = starts(H, wh, sh).flatMap((i) => starts(W, ww, sw).map((j) => [i, j] as const));
  const sumDiff = new Float64Array(H * W);
  const count = new Uint32Array(H * W);
  const batch = Math.max(1, o.batchSize ?? 64);
  for (let b0 = 0; b0 < boxes.length; b0 += batch) {
    const group = boxes.slice(b0, b0 + batch);
    const xs = new Float32Array(group.length * size);
    group.forEach(([i0, j0], s) => {
      const dst = xs.subarray(s * size, (s + 1) * size);
      dst.set(x);
      for (let c = 0; c < C; c++) for (let i = i0; i < i0 + wh; i++) dst.fill(fill, c * H * W + i * W + j0, c * H * W + i * W + j0 + ww);
    });
    const out = logits(m, xs, group.length);
    group.forEach(([i0, j0], s) => {
      const d = f0 - out.data[s * out.classes + target]!;
      for (let i = i0; i < i0 + wh; i++) {
        for (let j = j0; j < j0 + ww; j++) {
          sumDiff[i * W + j]! += d;
          count[i * W + j]!++;
        }
      }
    });
  }
  const attributions = new Float32Array(size);
  for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) attributions[c * H * W + p] = count[p] ? sumDiff[p]! / count[p]! : 0;
  return { method: 'occlusion', target, scores, attributions, windows: boxes.length };
}
