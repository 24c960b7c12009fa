// decodeImage: real PNG/JPEG round trips, scaling options, and refusal of hostile or broken inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, encodePng } from './image.js';
import { PNG_SIGNATURE, concatBytes, pngChunk, pngIhdr } from './png.js';
import { LeptonError } from '../core/errors.js';

function gradient(w: number, h: number): Float32Array {
  const p = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p[y * w + x] = (x + y * w) / (w * h - 1);
  return p;
}

function isCode(code: string) {
  return (err: unknown): boolean => err instanceof LeptonError && err.code === code;
}

test('a generated grayscale PNG decodes back to the same pixels (unit scale)', async () => {
  const px = gradient(28, 28);
  const out = await decodeImage(encodePng(px, 28, 28), { width: 28, height: 28, channels: 1, normalize: 'unit' });
  assert.equal(out.length, 784);
  for (let i = 0; i < px.length; i++) {
    assert.ok(Math.abs((out[i] as number) - Math.round((px[i] as number) * 255) / 255) < 1e-6, `pixel ${i}`);
  }
});

test('no normalize gives raw 0..255; mean/std normalize per channel', async () => {
  const png = encodePng(new Float32Array([0, 1, 1, 0]), 2, 2);
  const raw = await decodeImage(png, { width: 2, height: 2, channels: 1 });
  assert.deepEqual(Array.from(raw), [0, 255, 255, 0]);
  const norm = await decodeImage(png, { width: 2, height: 2, channels: 1, normalize: { mean: [0.5], std: [0.5] } });
  assert.deepEqual(Array.from(norm).map((v) => Math.round(v * 1e5) / 1e5), [-1, 1, 1, -1]);
});

test('RGB output is CHW and a resize reaches the requested size', async () => {
  // 4x2 image: left half pure red, right half pure blue.
  const w = 4;
  const h = 2;
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rgb.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  }
  const png = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  const out = await decodeImage(png, { width: 4, height: 2, channels: 3, normalize: 'unit' });
  assert.equal(out.length, 24);
  assert.deepEqual(Array.from(out.subarray(0, 8)), [1, 1, 0, 0, 1, 1, 0, 0]); // R plane
  assert.deepEqual(Array.from(out.subarray(8, 16)), [0, 0, 0, 0, 0, 0, 0, 0]); // G plane
  assert.deepEqual(Array.from(out.subarray(16, 24)), [0, 0, 1, 1, 0, 0, 1, 1]); // B plane
  const small = await decodeImage(png, { width: 2, height: 1, channels: 1, normalize: 'unit' });
  assert.equal(small.length, 2);
  assert.ok((small[0] as number) > 0 && (small[0] as number) < 1, 'red becomes mid grey');
});

test('JPEG and WebP decode too', async () => {
  const img = sharp(Buffer.alloc(16 * 16 * 3, 200), { raw: { width: 16, height: 16, channels: 3 } });
  for (const bytes of [await img.clone().jpeg().toBuffer(), await img.clone().webp({ lossless: true }).toBuffer()]) {
    const out = await decodeImage(bytes, { width: 8, height: 8, channels: 1, normalize: 'unit' });
    assert.equal(out.length, 64);
    for (const v of out) assert.ok(Math.abs(v - 200 / 255) < 0.03);
  }
});

test('a PNG whose header claims 100000x100000 is refused before decoding', async () => {
  const bomb = concatBytes([
    PNG_SIGNATURE,
    pngChunk('IHDR', pngIhdr(100000, 100000)),
    pngChunk('IDAT', new Uint8Array([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
  await assert.rejects(decodeImage(bomb, { width: 28, height: 28, channels: 1 }), isCode('LEPTON_ERR_IMAGE_TOO_LARGE'));
  // A custom limit applies as well.
  const ok = encodePng(gradient(64, 64), 64, 64);
  await assert.rejects(
    decodeImage(ok, { width: 28, height: 28, channels: 1, limitInputPixels: 1000 }),
    isCode('LEPTON_ERR_IMAGE_TOO_LARGE'),
  );
});

test('truncated, garbage and empty bytes give LEPTON_ERR_IMAGE_DECODE', async () => {
  const png = encodePng(gradient(64, 64), 64, 64);
  const opts = { width: 28, height: 28, channels: 1 } as const;
  await assert.rejects(decodeImage(png.subarray(0, Math.floor(png.length / 2)), opts), isCode('LEPTON_ERR_IMAGE_DECODE'));
  await assert.rejects(decodeImage(png.subarray(0, 20), opts), isCode('LEPTON_ERR_IMAGE_DECODE'));
  await assert.rejects(decodeImage(new TextEncoder().encode('not an image at all'), opts), isCode('LEPTON_ERR_IMAGE_DECODE'));
  await assert.rejects(decodeImage(new Uint8Array(0), opts), isCode('LEPTON_ERR_IMAGE_DECODE'));
});

test('SVG (a renderer, not a raster) is refused as an unsupported media type', async () => {
  const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  await assert.rejects(decodeImage(svg, { width: 28, height: 28, channels: 1 }), isCode('LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE'));
});

test('bad options are LEPTON_ERR_INVALID_ARGUMENT', async () => {
  const png = encodePng(gradient(4, 4), 4, 4);
  const bad: unknown[] = [
    { width: 0, height: 28, channels: 1 },
    { width: 28, height: 1.5, channels: 1 },
    { width: 28, height: 28, channels: 2 },
    { width: 28, height: 28, channels: 3, normalize: { mean: [0], std: [1] } },
    { width: 28, height: 28, channels: 1, normalize: { mean: [0], std: [0] } },
    { width: 28, height: 28, channels: 1, limitInputPixels: -5 },
  ];
  for (const o of bad) {
    await assert.rejects(decodeImage(png, o as Parameters<typeof decodeImage>[1]), isCode('LEPTON_ERR_INVALID_ARGUMENT'));
  }
  assert.throws(() => encodePng(new Float32Array(3), 2, 2), isCode('LEPTON_ERR_INVALID_ARGUMENT'));
});
