// Augmentation properties: flip is an involution, shift moves mass exactly, zero rotation is
// identity, rotation keeps a centred blob's mass, noise is seeded with the requested std.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { augmentBatch, transformImage } from './augment.js';
import { Rng } from '../core/rng.js';
import { LeptonError } from '../core/errors.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;
const H = 16;
const W = 16;

function randomBatch(b: number, c: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: b * c * H * W }, () => r.next());
}

/** A 4×4 bright square whose top-left corner is (x0, y0), on a black 16×16 image. */
function square(x0: number, y0: number): Float32Array {
  const img = new Float32Array(H * W);
  for (let y = y0; y < y0 + 4; y++) for (let x = x0; x < x0 + 4; x++) img[y * W + x] = 1;
  return img;
}

function centreOfMass(img: Float32Array): { x: number; y: number; mass: number } {
  let m = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = img[y * W + x] as number;
      m += v;
      sx += v * x;
      sy += v * y;
    }
  }
  return { x: sx / m, y: sy / m, mass: m };
}

test('flip twice is the identity, flip once mirrors columns (RGB batch)', () => {
  const x = randomBatch(3, 3, 1);
  const once = augmentBatch(x, [3, H, W], { flip: 1 }, new Rng(0));
  assert.equal(once[5], x[W - 1 - 5]);
  assert.notDeepEqual(once, x);
  assert.deepEqual(augmentBatch(once, [3, H, W], { flip: 1 }, new Rng(0)), x);
});

test('a shift moves the centre of mass by exactly (dx, dy) and keeps the mass', () => {
  const img = square(6, 6);
  const out = new Float32Array(H * W);
  transformImage(img, out, 1, H, W, { dx: 2, dy: -3, angle: 0, flip: false });
  const a = centreOfMass(img);
  const b = centreOfMass(out);
  assert.equal(b.mass, a.mass);
  assert.equal(b.x - a.x, 2);
  assert.equal(b.y - a.y, -3);
  // Random shifts within ±2: every image moves by whole pixels within the bound, and not all stay put.
  const batch = new Float32Array(20 * H * W);
  for (let i = 0; i < 20; i++) batch.set(img, i * H * W);
  const moved = augmentBatch(batch, [1, H, W], { shift: 2 }, new Rng(5));
  let anyMoved = false;
  for (let i = 0; i < 20; i++) {
    const c = centreOfMass(moved.subarray(i * H * W, (i + 1) * H * W));
    assert.equal(c.mass, a.mass);
    assert.ok(Number.isInteger(c.x - a.x) && Math.abs(c.x - a.x) <= 2);
    assert.ok(Number.isInteger(c.y - a.y) && Math.abs(c.y - a.y) <= 2);
    if (c.x !== a.x || c.y !== a.y) anyMoved = true;
  }
  assert.ok(anyMoved);
});

test('shifting past the border fills with zeros', () => {
  const out = new Float32Array(H * W);
  transformImage(square(12, 0), out, 1, H, W, { dx: 5, dy: 0, angle: 0, flip: false });
  assert.equal(centreOfMass(out).mass, 0);
});

test('rotation 0 (and all-zero options) is the identity; small rotations keep a centred blob', () => {
  const x = randomBatch(4, 1, 2);
  assert.deepEqual(augmentBatch(x, [1, H, W], { rotate: 0, shift: 0, flip: 0, noise: 0 }, new Rng(1)), x);
  const out = new Float32Array(H * W);
  transformImage(x.subarray(0, H * W), out, 1, H, W, { dx: 0, dy: 0, angle: 0, flip: false });
  assert.deepEqual(out, x.subarray(0, H * W));
  const blob = square(6, 6);
  transformImage(blob, out, 1, H, W, { dx: 0, dy: 0, angle: (10 * Math.PI) / 180, flip: false });
  const a = centreOfMass(blob);
  const b = centreOfMass(out);
  assert.notDeepEqual(out, blob);
  assert.ok(Math.abs(b.mass - a.mass) < 0.05 * a.mass, `mass ${b.mass} vs ${a.mass}`);
  assert.ok(Math.abs(b.x - a.x) < 0.05 && Math.abs(b.y - a.y) < 0.05, 'rotation about the centre');
  // A 90° rotation of a square image maps pixel (x, y) exactly.
  const r = randomBatch(1, 1, 3);
  transformImage(r, out, 1, H, W, { dx: 0, dy: 0, angle: Math.PI / 2, flip: false });
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < W; xx++) {
      const sx = y;
      const sy = W - 1 - xx;
      assert.ok(Math.abs((out[y * W + xx] as number) - (r[sy * W + sx] as number)) < 1e-5);
    }
  }
});

test('noise is seeded, has the requested std, and clips to [0, 1]', () => {
  const x = new Float32Array(8 * H * W).fill(0.5);
  const a = augmentBatch(x, [1, H, W], { noise: 0.05 }, new Rng(11));
  assert.deepEqual(a, augmentBatch(x, [1, H, W], { noise: 0.05 }, new Rng(11)));
  assert.notDeepEqual(a, augmentBatch(x, [1, H, W], { noise: 0.05 }, new Rng(12)));
  let s = 0;
  let s2 = 0;
  for (const v of a) {
    s += v - 0.5;
    s2 += (v - 0.5) ** 2;
  }
  const mean = s / a.length;
  const std = Math.sqrt(s2 / a.length - mean * mean);
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(std - 0.05) < 0.005, `mean ${mean} std ${std}`);
  const big = augmentBatch(x, [1, H, W], { noise: 2 }, new Rng(1));
  assert.ok(big.every((v) => v >= 0 && v <= 1));
  assert.ok(augmentBatch(x, [1, H, W], { noise: 2, clip: false }, new Rng(1)).some((v) => v < 0 || v > 1));
});

test('in-place augmentation and bad options', () => {
  const x = randomBatch(2, 1, 4);
  const copy = Float32Array.from(x);
  const expected = augmentBatch(copy, [1, H, W], { shift: 3, rotate: 10, flip: 0.5, noise: 0.1 }, new Rng(8));
  assert.equal(augmentBatch(x, [1, H, W], { shift: 3, rotate: 10, flip: 0.5, noise: 0.1 }, new Rng(8), x), x);
  assert.deepEqual(x, expected);
  for (const o of [{ shift: -1 }, { shift: 1.5 }, { flip: 2 }, { noise: Number.NaN }, { rotate: -3 }]) {
    assert.throws(() => augmentBatch(x, [1, H, W], o, new Rng(0)), code('LEPTON_ERR_INVALID_ARGUMENT'));
  }
  assert.throws(() => augmentBatch(x, [1, H, 15], {}, new Rng(0)), code('LEPTON_ERR_INVALID_ARGUMENT'));
});
