// HOG of one grayscale image (src/vision/hog.ts, via src/tensor/wasm/hog-api.ts): the JS version
// spends ~30 µs an image on gradients, orientation and votes, 70k times per codec fit+encode.
// Here four pixels at a time share the gradients, the magnitude and an atan2-free orientation
// (an odd polynomial of atan on the first octant, reflected; error < 3e-7 rad); only the two
// votes per pixel are scattered one lane at a time; the L2-Hys blocks run on f32 lanes too.
// Same arithmetic as the JS path up to f32 rounding, so features agree to ~1e-6.

const PI: f32 = 3.14159265358979;
const QPI: f32 = 0.785398163397448;
const HPI: f32 = 1.5707963267949;

// @ts-ignore: decorator
@inline
function atanOctant(z: f32): f32 {
  const t = z * z;
  return z * (0.9999966342940826 + t * (-0.3331830143309677 + t * (0.1981319951171837 + t * (-0.13247467483423614 + t * (0.07981016585407176 + t * (-0.033725014576336435 + t * 0.006842312716691815))))));
}

// @ts-ignore: decorator
@inline
function vote(cells: usize, c: i32, bins: i32, mag: f32, pos: f32): void {
  if (mag == 0) return;
  const fb = Mathf.floor(pos);
  const b0 = <i32>fb;
  const frac = pos - fb;
  const i0 = b0 < 0 ? b0 + bins : b0;
  const i1 = b0 + 1 >= bins ? b0 + 1 - bins : b0 + 1;
  const p0 = cells + ((<usize>(c + i0)) << 2);
  const p1 = cells + ((<usize>(c + i1)) << 2);
  store<f32>(p0, load<f32>(p0) + mag * (1 - frac));
  store<f32>(p1, load<f32>(p1) + mag * frac);
}

// @ts-ignore: decorator
@inline
function scalarPixel(img: usize, row: i32, up: i32, dn: i32, x: i32, xm: i32, xp: i32, cells: usize, c: i32, bins: i32, invBw: f32): void {
  const gx = load<f32>(img + ((<usize>(row + xp)) << 2)) - load<f32>(img + ((<usize>(row + xm)) << 2));
  const gy = load<f32>(img + ((<usize>(dn + x)) << 2)) - load<f32>(img + ((<usize>(up + x)) << 2));
  const mag = Mathf.sqrt(gx * gx + gy * gy);
  if (mag == 0) return;
  const ax = Mathf.abs(gx);
  const ay = Mathf.abs(gy);
  const p = atanOctant(Mathf.min(ax, ay) / Mathf.max(ax, ay));
  const th = ay > ax ? HPI - p : p;
  const ang = gx * gy < 0 ? PI - th : th;
  vote(cells, c, bins, mag, ang * invBw - 0.5);
}

/**
 * Cell histograms [cellsY, cellsX, bins] (f32, zeroed here) of img [h, w] (f32) with cells of cs
 * pixels: centred differences, one-sided at the image border, linear votes between bin centres.
 */
export function hogCells(img: usize, h: i32, w: i32, cs: i32, bins: i32, cells: usize): void {
  const cellsY = h / cs;
  const cellsX = w / cs;
  memory.fill(cells, 0, <usize>(cellsY * cellsX * bins) << 2);
  const H = cellsY * cs;
  const W = cellsX * cs;
  const invBw: f32 = <f32>bins / PI;
  const vq = f32x4.splat(QPI * 2);
  const vpi = f32x4.splat(PI);
  const vzero = f32x4.splat(0);
  const vhalf = f32x4.splat(0.5);
  const vinv = f32x4.splat(invBw);
  // SIMD over columns [1, xEnd): both neighbours inside the row.
  const xEnd = W < w - 1 ? W : w - 1;
  for (let y = 0; y < H; y++) {
    const row = y * w;
    const up = (y > 0 ? y - 1 : 0) * w;
    const dn = (y < h - 1 ? y + 1 : h - 1) * w;
    const cy = (y / cs) * cellsX * bins;
    scalarPixel(img, row, up, dn, 0, 0, w > 1 ? 1 : 0, cells, cy, bins, invBw);
    let x = 1;
    for (; x + 4 <= xEnd; x += 4) {
      const l = v128.load(img + ((<usize>(row + x - 1)) << 2));
      const r = v128.load(img + ((<usize>(row + x + 1)) << 2));
      const u = v128.load(img + ((<usize>(up + x)) << 2));
      const d = v128.load(img + ((<usize>(dn + x)) << 2));
      const gx = f32x4.sub(r, l);
      const gy = f32x4.sub(d, u);
      const mag = f32x4.sqrt(f32x4.add(f32x4.mul(gx, gx), f32x4.mul(gy, gy)));
      if (!v128.any_true(f32x4.ne(mag, vzero))) continue;
      const ax = f32x4.abs(gx);
      const ay = f32x4.abs(gy);
      const z = f32x4.div(f32x4.min(ax, ay), f32x4.max(ax, ay));
      const t = f32x4.mul(z, z);
      let q = f32x4.splat(0.006842312716691815);
      q = f32x4.add(f32x4.splat(-0.033725014576336435), f32x4.mul(t, q));
      q = f32x4.add(f32x4.splat(0.07981016585407176), f32x4.mul(t, q));
      q = f32x4.add(f32x4.splat(-0.13247467483423614), f32x4.mul(t, q));
      q = f32x4.add(f32x4.splat(0.1981319951171837), f32x4.mul(t, q));
      q = f32x4.add(f32x4.splat(-0.3331830143309677), f32x4.mul(t, q));
      q = f32x4.add(f32x4.splat(0.9999966342940826), f32x4.mul(t, q));
      const p = f32x4.mul(z, q);
      const th = v128.bitselect(f32x4.sub(vq, p), p, f32x4.gt(ay, ax));
      const ang = v128.bitselect(f32x4.sub(vpi, th), th, f32x4.lt(f32x4.mul(gx, gy), vzero));
      const pos = f32x4.sub(f32x4.mul(ang, vinv), vhalf);
      const c0 = cy + (x / cs) * bins;
      const c1 = cy + ((x + 1) / cs) * bins;
      const c2 = cy + ((x + 2) / cs) * bins;
      const c3 = cy + ((x + 3) / cs) * bins;
      vote(cells, c0, bins, f32x4.extract_lane(mag, 0), f32x4.extract_lane(pos, 0));
      vote(cells, c1, bins, f32x4.extract_lane(mag, 1), f32x4.extract_lane(pos, 1));
      vote(cells, c2, bins, f32x4.extract_lane(mag, 2), f32x4.extract_lane(pos, 2));
      vote(cells, c3, bins, f32x4.extract_lane(mag, 3), f32x4.extract_lane(pos, 3));
    }
    for (; x < W; x++) {
      scalarPixel(img, row, up, dn, x, x - 1, x + 1 < w ? x + 1 : w - 1, cells, cy + (x / cs) * bins, bins, invBw);
    }
  }
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * Overlapping blocks of bs×bs cells of `cells` [cellsY, cellsX, bins], each L2-Hys normalised
 * (L2, clip at `clip`, L2 again; f32 lanes, a scalar tail when the block length is not a multiple
 * of 4), into out [blocksY, blocksX, bs, bs, bins].
 */
export function hogBlocks(cells: usize, cellsY: i32, cellsX: i32, bs: i32, bins: i32, clip: f32, out: usize): void {
  const blockLen = <usize>(bs * bs * bins);
  const rowBytes = <usize>(bs * bins) << 2;
  const vclip = f32x4.splat(clip);
  const end4 = blockLen & ~(<usize>3);
  let o = out;
  for (let by = 0; by + bs <= cellsY; by++) {
    for (let bx = 0; bx + bs <= cellsX; bx++) {
      const start = o;
      for (let cy = 0; cy < bs; cy++) {
        memory.copy(o, cells + ((<usize>(((by + cy) * cellsX + bx) * bins)) << 2), rowBytes);
        o += rowBytes;
      }
      let acc = f32x4.splat(0);
      let i: usize = 0;
      for (; i < end4; i += 4) {
        const v = v128.load(start + (i << 2));
        acc = f32x4.add(acc, f32x4.mul(v, v));
      }
      let ss = hsum(acc);
      for (; i < blockLen; i++) {
        const v = load<f32>(start + (i << 2));
        ss += v * v;
      }
      let inv: f32 = 1 / Mathf.sqrt(ss + 1e-10);
      let vinv = f32x4.splat(inv);
      acc = f32x4.splat(0);
      for (i = 0; i < end4; i += 4) {
        const p = start + (i << 2);
        const x = f32x4.min(vclip, f32x4.mul(v128.load(p), vinv));
        v128.store(p, x);
        acc = f32x4.add(acc, f32x4.mul(x, x));
      }
      ss = hsum(acc);
      for (; i < blockLen; i++) {
        const p = start + (i << 2);
        const x = Mathf.min(clip, load<f32>(p) * inv);
        store<f32>(p, x);
        ss += x * x;
      }
      inv = 1 / Mathf.sqrt(ss + 1e-10);
      vinv = f32x4.splat(inv);
      for (i = 0; i < end4; i += 4) {
        const p = start + (i << 2);
        v128.store(p, f32x4.mul(v128.load(p), vinv));
      }
      for (; i < blockLen; i++) {
        const p = start + (i << 2);
        store<f32>(p, load<f32>(p) * inv);
      }
    }
  }
}
