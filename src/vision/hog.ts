/**
 * Histogram of oriented gradients (Dalal & Triggs) on grayscale images: centred-difference
 * gradients, unsigned orientation histograms per cell with linear vote interpolation between
 * bins, overlapping blocks normalised with L2-Hys. Hand-written: small, and no HOG exists in JS.
 */
import { readFile } from 'node:fs/promises';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { decodeImage } from '../data/image.js';

export interface HogOptions {
  /** Cell side in pixels. Default 4. */
  cellSize?: number;
  /** Block side in cells (blocks step one cell). Default 2. */
  blockSize?: number;
  /** Orientation bins over 0–180°. Default 9. */
  bins?: number;
  /** L2-Hys clipping value. Default 0.2. */
  clip?: number;
}

export interface HogShape {
  cellsY: number;
  cellsX: number;
  blocksY: number;
  blocksX: number;
  /** Feature length: blocksY·blocksX·blockSize²·bins. */
  length: number;
}

function resolve(o: HogOptions): Required<HogOptions> {
  const r = { cellSize: o.cellSize ?? 4, blockSize: o.blockSize ?? 2, bins: o.bins ?? 9, clip: o.clip ?? 0.2 };
  for (const k of ['cellSize', 'blockSize', 'bins'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw invalidArgument(`HOG ${k} must be a positive integer, got ${r[k]}`);
  }
  if (!(r.clip > 0)) throw invalidArgument('HOG clip must be > 0');
  return r;
}

/** Feature geometry for an image of height h and width w. */
export function hogShape(h: number, w: number, options: HogOptions = {}): HogShape {
  const o = resolve(options);
  const cellsY = Math.floor(h / o.cellSize);
  const cellsX = Math.floor(w / o.cellSize);
  const blocksY = cellsY - o.blockSize + 1;
  const blocksX = cellsX - o.blockSize + 1;
  if (blocksY < 1 || blocksX < 1) throw invalidArgument(`a ${w}x${h} image is too small for HOG cells of ${o.cellSize}px in blocks of ${o.blockSize}`);
  return { cellsY, cellsX, blocksY, blocksX, length: blocksY * blocksX * o.blockSize * o.blockSize * o.bins };
}

/**
 * HOG descriptor of one grayscale image `img` [h, w] (any scale; the normalisation removes it).
 * Writes into `out` when given (length hogShape().length) and returns it.
 */
export function hog(img: Float32Array, h: number, w: number, options: HogOptions = {}, out?: Float32Array): Float32Array {
  const o = resolve(options);
  if (img.length !== h * w) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `image has ${img.length} pixels, expected ${h}x${w}`);
  const s = hogShape(h, w, o);
  const { cellSize: cs, blockSize: bs, bins } = o;
  const cells = new Float32Array(s.cellsY * s.cellsX * bins); // [cellsY, cellsX, bins]
  const binWidth = Math.PI / bins;
  for (let y = 0; y < s.cellsY * cs; y++) {
    for (let x = 0; x < s.cellsX * cs; x++) {
      // Centred differences; one-sided at the image border.
      const gx = (img[y * w + Math.min(w - 1, x + 1)] as number) - (img[y * w + Math.max(0, x - 1)] as number);
      const gy = (img[Math.min(h - 1, y + 1) * w + x] as number) - (img[Math.max(0, y - 1) * w + x] as number);
      const mag = Math.sqrt(gx * gx + gy * gy);
      if (mag === 0) continue;
      let ang = Math.atan2(gy, gx);
      if (ang < 0) ang += Math.PI;
      // Vote split between the two nearest bin centres.
      const pos = ang / binWidth - 0.5;
      const b0 = Math.floor(pos);
      const frac = pos - b0;
      const c = (Math.floor(y / cs) * s.cellsX + Math.floor(x / cs)) * bins;
      cells[c + ((b0 + bins) % bins)]! += mag * (1 - frac);
      cells[c + ((b0 + 1) % bins)]! += mag * frac;
    }
  }
  const res = out ?? new Float32Array(s.length);
  if (res.length !== s.length) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `HOG output needs ${s.length} values`);
  const blockLen = bs * bs * bins;
  const eps2 = 1e-10;
  let o2 = 0;
  for (let by = 0; by < s.blocksY; by++) {
    for (let bx = 0; bx < s.blocksX; bx++) {
      const start = o2;
      for (let cy = 0; cy < bs; cy++) {
        for (let cx = 0; cx < bs; cx++) {
          const c = ((by + cy) * s.cellsX + bx + cx) * bins;
          for (let b = 0; b < bins; b++) res[o2++] = cells[c + b] as number;
        }
      }
      l2Hys(res, start, blockLen, o.clip, eps2);
    }
  }
  return res;
}

/** L2 normalise, clip at `clip`, normalise again. */
function l2Hys(v: Float32Array, start: number, len: number, clip: number, eps2: number): void {
  let s = 0;
  for (let i = start; i < start + len; i++) s += (v[i] as number) ** 2;
  let inv = 1 / Math.sqrt(s + eps2);
  s = 0;
  for (let i = start; i < start + len; i++) {
    const x = Math.min(clip, (v[i] as number) * inv);
    v[i] = x;
    s += x * x;
  }
  inv = 1 / Math.sqrt(s + eps2);
  for (let i = start; i < start + len; i++) v[i]! *= inv;
}

/** HOG of every image in a batch x [n, h, w] (or [n, 1, h, w]): [n, length] row-major. */
export function hogBatch(x: Float32Array, n: number, h: number, w: number, options: HogOptions = {}): Float32Array {
  const len = hogShape(h, w, options).length;
  if (x.length !== n * h * w) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `batch has ${x.length} values, expected ${n}x${h}x${w}`);
  const out = new Float32Array(n * len);
  for (let i = 0; i < n; i++) hog(x.subarray(i * h * w, (i + 1) * h * w), h, w, options, out.subarray(i * len, (i + 1) * len));
  return out;
}

/** Decode an image file or bytes to grayscale [h, w] in [0, 1] (resized to width×height) via sharp. */
export async function loadGray(source: string | Uint8Array, width: number, height: number): Promise<Float32Array> {
  let bytes: Uint8Array;
  if (typeof source === 'string') {
    try {
      bytes = await readFile(source);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new LeptonError(code === 'ENOENT' ? 'LEPTON_ERR_NOT_FOUND' : 'LEPTON_ERR_IO', `cannot read image ${source}: ${(err as Error).message}`, { cause: err });
    }
  } else bytes = source;
  return decodeImage(bytes, { width, height, channels: 1, normalize: 'unit' });
}

/** HOG of an image file (or encoded bytes), resized to width×height grayscale first. */
export async function hogFromImage(source: string | Uint8Array, width: number, height: number, options: HogOptions = {}): Promise<Float32Array> {
  return hog(await loadGray(source, width, height), height, width, options);
}
