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
        // Output columns [lo, hi) have a source pixel; the rest are zero.
        const lo = Math.max(0, p.dx);
        const hi = Math.min(w, w + p.dx);
        dst.fill(0, row, row + Math.min(lo, w));
        dst.fill(0, row + Math.max(hi, 0), row + w);
        const srow = base + sy * w;
        if (!p.flip) {
          if (hi > lo) dst.set(src.subarray(srow + lo - p.dx, srow + hi - p.dx), row + lo);
          continue;
        }
        for (let ox = lo; ox < hi; ox++) dst[row + ox] = src[srow + w - 1 - (ox - p.dx)] as number;
      }
    }
    return;
  }
  // Inverse map (undo shift, rotation, then flip) as one affine map; flipping about the centre
  // just negates the x row of the rotation because w − 1 = 2·cx.
  const cos = Math.cos(p.angle);
  const sin = Math.sin(p.angle);
  const ax = p.flip ? -cos : cos;
  const bx = p.flip ? -sin : sin;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let oy = 0; oy < h; oy++) {
    const py = oy - p.dy - cy;
    for (let ox = 0; ox < w; ox++) {
      const px = ox - p.dx - cx;
      const sx = ax * px + bx * py + cx;
      const sy = -sin * px + cos * py + cy;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = oy * w + ox;
      const i00 = y0 * w + x0;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        for (let ch = 0, b = i00; ch < c; ch++, b += plane) {
          const top = (src[b] as number) * (1 - fx) + (src[b + 1] as number) * fx;
          const bot = (src[b + w] as number) * (1 - fx) + (src[b + w + 1] as number) * fx;
          dst[ch * plane + o] = top * (1 - fy) + bot * fy;
        }
        continue;
      }
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) {
        for (let ch = 0; ch < c; ch++) dst[ch * plane + o] = 0;
        continue;
      }
      // Border: neighbours outside the image count as 0.
      const in00 = x0 >= 0 && y0 >= 0;
      const in10 = x0 + 1 < w && y0 >= 0;
      const in01 = x0 >= 0 && y0 + 1 < h;
      const in11 = x0 + 1 < w && y0 + 1 < h;
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
    if (noise > 0) addNoise(dst.subarray(i * d, (i + 1) * d), noise, clip, rng);
  }
  return dst;
}

/**
 * Add N(0, std²) noise to `x` in place: Marsaglia's polar method fed by a local mulberry32 stream
 * seeded from `rng` once per image. Calling Rng per value cost ~40 ns each (its state is
 * unsigned 32-bit, so V8 keeps it in heap numbers), which made noise slower than all the geometry.
 */
function addNoise(x: Float32Array, std: number, clip: boolean, rng: Rng): void {
  const n = x.length;
  let state = rng.nextU32() | 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1; // [-1, 1)
  };
  for (let k = 0; k < n; k += 2) {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = uniform();
      v = uniform();
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = std * Math.sqrt((-2 * Math.log(s)) / s);
    let a = (x[k] as number) + u * m;
    x[k] = clip ? (a < 0 ? 0 : a > 1 ? 1 : a) : a;
    if (k + 1 < n) {
      a = (x[k + 1] as number) + v * m;
      x[k + 1] = clip ? (a < 0 ? 0 : a > 1 ? 1 : a) : a;
    }
  }
}
