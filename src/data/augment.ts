/**
 * Seeded data augmentation on a batch of [b, c, h, w] images: random shift (zero fill), small
 * rotation (bilinear), horizontal flip and gaussian noise. All geometry is done in one inverse-mapped
 * pass per image, so combining transforms costs no more than one of them.
 */
import { invalidArgument } from '../core/errors.js';
import { type Rng } from '../core/rng.js';

export interface AugmentOptions {
  /** Max shift in whole pixels along each axis; dx, dy are uniform in [−shift, shift]. Default 0. */
  shift?: number;
  /** Max rotation in degrees; the angle is uniform in [−rotate, rotate]. Default 0. */
  rotate?: number;
  /** Probability of a horizontal flip, in [0, 1]. Default 0 (digits must not be flipped). */
  flip?: number;
  /** Std of additive gaussian noise. Default 0. */
  noise?: number;
  /** Clamp results to [0, 1] after noise. Default true. */
  clip?: boolean;
}

/** The concrete transform applied to one image. */
export interface TransformParams {
  dx: number;
  dy: number;
  /** Radians, counter-clockwise in image coordinates (y down). */
  angle: number;
  flip: boolean;
}

function checkOptions(o: AugmentOptions): void {
  const nonNeg = (v: number | undefined, name: string): void => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw invalidArgument(`augment: ${name} must be ≥ 0, got ${v}`);
  };
  nonNeg(o.shift, 'shift');
  nonNeg(o.rotate, 'rotate');
  nonNeg(o.noise, 'noise');
  if (o.shift !== undefined && !Number.isInteger(o.shift)) throw invalidArgument(`augment: shift must be an integer, got ${o.shift}`);
  if (o.flip !== undefined && !(o.flip >= 0 && o.flip <= 1)) throw invalidArgument(`augment: flip must be in [0, 1], got ${o.flip}`);
}

/**
 * Write the transform of one [c, h, w] image `src` into `dst` (same size, must not alias `src`).
 * Forward order: flip, rotate about the centre, then shift; pixels from outside are 0.
 */
export function transformImage(
  src: Float32Array,
  dst: Float32Array,
  c: number,
  h: number,
  w: number,
  p: TransformParams,
): void {
  const plane = h * w;
  if (p.angle === 0) {
    // Integer shift (+flip) is a pure gather: exact, no interpolation.
    for (let ch = 0; ch < c; ch++) {
      const base = ch * plane;
      for (let oy = 0; oy < h; oy++) {
        const sy = oy - p.dy;
        const row = base + oy * w;
        if (sy < 0 || sy >= h) {
          dst.fill(0, row, row + w);
          continue;
        }
        for (let ox = 0; ox < w; ox++) {
          let sx = ox - p.dx;
          if (sx < 0 || sx >= w) {
            dst[row + ox] = 0;
            continue;
          }
          if (p.flip) sx = w - 1 - sx;
          dst[row + ox] = src[base + sy * w + sx] as number;
        }
      }
    }
    return;
  }
  const cos = Math.cos(p.angle);
  const sin = Math.sin(p.angle);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let oy = 0; oy < h; oy++) {
    for (let ox = 0; ox < w; ox++) {
      // Inverse map: undo shift, then rotation, then flip.
      const px = ox - p.dx - cx;
      const py = oy - p.dy - cy;
      let sx = cos * px + sin * py + cx;
      const sy = -sin * px + cos * py + cy;
      if (p.flip) sx = w - 1 - sx;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = oy * w + ox;
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) {
        for (let ch = 0; ch < c; ch++) dst[ch * plane + o] = 0;
        continue;
      }
      const in00 = x0 >= 0 && y0 >= 0;
      const in10 = x0 + 1 < w && y0 >= 0;
      const in01 = x0 >= 0 && y0 + 1 < h;
      const in11 = x0 + 1 < w && y0 + 1 < h;
      const i00 = y0 * w + x0;
      for (let ch = 0; ch < c; ch++) {
        const b = ch * plane + i00;
        const v00 = in00 ? (src[b] as number) : 0;
        const v10 = in10 ? (src[b + 1] as number) : 0;
        const v01 = in01 ? (src[b + w] as number) : 0;
        const v11 = in11 ? (src[b + w + 1] as number) : 0;
        dst[ch * plane + o] = (v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy;
      }
    }
  }
}

/**
 * Augment every image of the batch `x` ([b, c, h, w], b = x.length / (c·h·w)) with transforms drawn
 * from `rng`. Writes into `out` (which may be `x` itself) or a new array, and returns it. The same
 * seed, options and input always give the same output.
 */
export function augmentBatch(
  x: Float32Array,
  shape: readonly [number, number, number],
  opts: AugmentOptions,
  rng: Rng,
  out?: Float32Array,
): Float32Array {
  checkOptions(opts);
  const [c, h, w] = shape;
  const d = c * h * w;
  if (!(d > 0) || x.length % d !== 0) {
    throw invalidArgument(`augment: batch of ${x.length} values is not a whole number of [${shape.join(', ')}] images`);
  }
  const dst = out ?? new Float32Array(x.length);
  if (dst.length !== x.length) throw invalidArgument(`augment: out has ${dst.length} values, expected ${x.length}`);
  const shift = opts.shift ?? 0;
  const maxAngle = ((opts.rotate ?? 0) * Math.PI) / 180;
  const flipP = opts.flip ?? 0;
  const noise = opts.noise ?? 0;
  const clip = opts.clip ?? true;
  const geometric = shift > 0 || maxAngle > 0 || flipP > 0;
  const scratch = new Float32Array(d); // [c, h, w]
  const b = x.length / d;
  for (let i = 0; i < b; i++) {
    const img = x.subarray(i * d, (i + 1) * d);
    if (geometric) {
      const params: TransformParams = {
        flip: flipP > 0 && rng.next() < flipP,
        dx: shift > 0 ? rng.int(2 * shift + 1) - shift : 0,
        dy: shift > 0 ? rng.int(2 * shift + 1) - shift : 0,
        angle: maxAngle > 0 ? rng.uniform(-maxAngle, maxAngle) : 0,
      };
      transformImage(img, scratch, c, h, w, params);
      dst.set(scratch, i * d);
    } else if (dst !== x) {
      dst.set(img, i * d);
    }
    if (noise > 0) {
      for (let k = i * d, end = k + d; k < end; k++) {
        const v = (dst[k] as number) + rng.normal(0, noise);
        dst[k] = clip ? Math.min(1, Math.max(0, v)) : v;
      }
    }
  }
  return dst;
}
