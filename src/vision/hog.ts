/**
 * Histogram of oriented gradients (Dalal & Triggs) on grayscale images: centred-difference
 * gradients, unsigned orientation histograms per cell with linear vote interpolation between
 * bins, overlapping blocks normalised with L2-Hys. Hand-written: small, and no HOG exists in JS.
 */
import { readFile } from 'node:fs/promises';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { decodeImage } from '../data/image.js';
import { hogKernel } from '../tensor/wasm/hog-api.js';

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
 * Per-geometry tables, built once and reused by every call with the same image size and options
 * (the codec calls hog() 70k times): neighbour columns for the centred differences, the cell
 * offset of each column, and a scratch histogram. Hoisting these (and dropping the modulo and
 * min/max from the pixel loop) keeps the per-image cost small.
 */
interface HogPlan {
  h: number;
  w: number;
  o: Required<HogOptions>;
  s: HogShape;
  xm: Int32Array; // [w] left neighbour column (one-sided at the border)
  xp: Int32Array; // [w] right neighbour column
  cellOfX: Int32Array; // [w] offset of the column's cell within a cell row: floor(x/cs)·bins
  cells: Float32Array; // [cellsY, cellsX, bins] scratch
  cellSq: Float64Array; // [cellsY, cellsX] sum of squares of each cell's histogram
}

let lastPlan: HogPlan | undefined;

function planFor(h: number, w: number, options: HogOptions): HogPlan {
  const p = lastPlan;
  if (
    p !== undefined && p.h === h && p.w === w && p.o.cellSize === (options.cellSize ?? 4) && p.o.blockSize === (options.blockSize ?? 2) &&
    p.o.bins === (options.bins ?? 9) && p.o.clip === (options.clip ?? 0.2)
  ) return p;
  const o = resolve(options);
  const s = hogShape(h, w, o);
  const xm = new Int32Array(w);
  const xp = new Int32Array(w);
  const cellOfX = new Int32Array(w);
  for (let x = 0; x < w; x++) {
    xm[x] = Math.max(0, x - 1);
    xp[x] = Math.min(w - 1, x + 1);
    cellOfX[x] = Math.floor(x / o.cellSize) * o.bins;
  }
  lastPlan = { h, w, o, s, xm, xp, cellOfX, cells: new Float32Array(s.cellsY * s.cellsX * o.bins), cellSq: new Float64Array(s.cellsY * s.cellsX) };
  return lastPlan;
}

/**
 * HOG descriptor of one grayscale image `img` [h, w] (any scale; the normalisation removes it).
 * Writes into `out` when given (length hogShape().length) and returns it. The cell histograms
 * and blocks come from the WebAssembly SIMD kernel when it loads (src/tensor/wasm/hog-api.ts), else JS.
 */
export function hog(img: Float32Array, h: number, w: number, options: HogOptions = {}, out?: Float32Array): Float32Array {
  return hogWith(img, h, w, options, out, true);
}

/** hog() on the JS path only (the fallback; tests compare both). */
export function hogJs(img: Float32Array, h: number, w: number, options: HogOptions = {}, out?: Float32Array): Float32Array {
  return hogWith(img, h, w, options, out, false);
}

function hogWith(img: Float32Array, h: number, w: number, options: HogOptions, out: Float32Array | undefined, useWasm: boolean): Float32Array {
  const plan = planFor(h, w, options);
  const { o, s } = plan;
  if (img.length !== h * w) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `image has ${img.length} pixels, expected ${h}x${w}`);
  const res = out ?? new Float32Array(s.length);
  if (res.length !== s.length) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `HOG output needs ${s.length} values`);
  const k = useWasm ? hogKernel() : null;
  if (k !== null && k.hog(img, h, w, o.cellSize, o.blockSize, o.bins, o.clip, res)) return res;
  jsCells(img, h, w, plan);
  blocks(plan, res);
  return res;
}

/** Cell histograms into plan.cells on the JS path. */
function jsCells(img: Float32Array, h: number, w: number, plan: HogPlan): void {
  const { o, s, xm, xp, cellOfX, cells } = plan;
  const { cellSize: cs, bins } = o;
  cells.fill(0);
  const binWidth = Math.PI / bins;
  const H = s.cellsY * cs;
  const W = s.cellsX * cs;
  const cellRow = s.cellsX * bins;
  for (let y = 0; y < H; y++) {
    // Centred differences; one-sided at the image border.
    const row = y * w;
    const up = (y > 0 ? y - 1 : 0) * w;
    const dn = (y < h - 1 ? y + 1 : h - 1) * w;
    const cy = Math.floor(y / cs) * cellRow;
    for (let x = 0; x < W; x++) {
      const gx = (img[row + xp[x]!] as number) - (img[row + xm[x]!] as number);
      const gy = (img[dn + x] as number) - (img[up + x] as number);
      const mag = Math.sqrt(gx * gx + gy * gy);
      if (mag === 0) continue;
      const ang = unsignedAngle(gx, gy);
      // Vote split between the two nearest bin centres (pos in [-0.5, bins - 0.5]).
      const pos = ang / binWidth - 0.5;
      const b0 = Math.floor(pos);
      const frac = pos - b0;
      const c = cy + cellOfX[x]!;
      const i1 = b0 + 1;
      cells[c + (b0 < 0 ? b0 + bins : b0)]! += mag * (1 - frac);
      cells[c + (i1 >= bins ? i1 - bins : i1)]! += mag * frac;
    }
  }
}

/** Overlapping blocks of plan.cells, L2-Hys normalised, into res. */
function blocks(plan: HogPlan, res: Float32Array): void {
  const { o, s, cells, cellSq } = plan;
  const { blockSize: bs, bins } = o;
  // Each cell sits in up to bs² blocks: square it once here, not once per block.
  const nCells = s.cellsY * s.cellsX;
  for (let c = 0, k = 0; c < nCells; c++) {
    let q = 0;
    for (let b = 0; b < bins; b++, k++) q += (cells[k] as number) * (cells[k] as number);
    cellSq[c] = q;
  }
  const blockLen = bs * bs * bins;
  const eps2 = 1e-10;
  let o2 = 0;
  for (let by = 0; by < s.blocksY; by++) {
    for (let bx = 0; bx < s.blocksX; bx++) {
      const start = o2;
      let ss = 0;
      for (let cy = 0; cy < bs; cy++) {
        for (let cx = 0; cx < bs; cx++) {
          const cell = (by + cy) * s.cellsX + bx + cx;
          ss += cellSq[cell] as number;
          const c = cell * bins;
          for (let b = 0; b < bins; b++) res[o2++] = cells[c + b] as number;
        }
      }
      l2Hys(res, start, blockLen, o.clip, eps2, ss);
    }
  }
}

const QUARTER_PI = Math.PI / 4;

/**
 * Gradient orientation folded to [0, π] — atan2(gy, gx), +π when negative — without atan2's
 * branches: θ = atan(min/max) in the first octant by a least-squares odd polynomial of degree 13
 * (error < 3e-7 rad), reflected about π/4 when |gy| > |gx| and about π/2 when gx·gy < 0. At
 * gy = 0, gx < 0 it returns 0 where atan2 gives π: both split the vote between the first and last
 * bins alike. The votes are continuous in the angle, so the features move by ~1e-6 at most.
 */
export function unsignedAngle(gx: number, gy: number): number {
  const ax = Math.abs(gx);
  const ay = Math.abs(gy);
  const z = Math.min(ax, ay) / Math.max(ax, ay);
  const t = z * z;
  const p = z * (0.9999966342940826 + t * (-0.3331830143309677 + t * (0.1981319951171837 + t * (-0.13247467483423614 + t * (0.07981016585407176 + t * (-0.033725014576336435 + t * 0.006842312716691815))))));
  const th = QUARTER_PI + Math.sign(ay - ax) * (QUARTER_PI - p);
  return gx * gy < 0 ? Math.PI - th : th;
}

/** L2 normalise (`sumSq`: the block's sum of squares), clip at `clip`, normalise again. */
function l2Hys(v: Float32Array, start: number, len: number, clip: number, eps2: number, sumSq: number): void {
  let inv = 1 / Math.sqrt(sumSq + eps2);
  // Two accumulators: halves the serial chain of adds.
  let s0 = 0;
  let s1 = 0;
  const end = start + len;
  let i = start;
  for (; i + 1 < end; i += 2) {
    const x0 = Math.min(clip, (v[i] as number) * inv);
    const x1 = Math.min(clip, (v[i + 1] as number) * inv);
    v[i] = x0;
    v[i + 1] = x1;
    s0 += x0 * x0;
    s1 += x1 * x1;
  }
  if (i < end) {
    const x = Math.min(clip, (v[i] as number) * inv);
    v[i] = x;
    s0 += x * x;
  }
  inv = 1 / Math.sqrt(s0 + s1 + eps2);
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
