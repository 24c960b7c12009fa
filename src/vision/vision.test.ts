// HOG behaviour, the ≤ 256-byte codec budget, and the vector index (search, remove, save/load,
// corrupt files) on small synthetic images, so the tests need no dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../core/rng.js';
import { encodePng } from '../data/png.js';
import { FeatureCodec, VectorIndex, hog, hogShape, hogFromImage } from './index.js';

/** n images 28×28: class 0 vertical bars, class 1 horizontal bars, class 2 a filled square; noisy. */
function shapes(n: number, seed: number): { x: Float32Array; y: number[] } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 784);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    y.push(c);
    const off = rng.int(4);
    for (let r = 0; r < 28; r++) {
      for (let q = 0; q < 28; q++) {
        const on = c === 0 ? (q + off) % 6 < 3 : c === 1 ? (r + off) % 6 < 3 : r > 6 + off && r < 20 + off && q > 6 && q < 20;
        x[i * 784 + r * 28 + q] = (on ? 0.8 : 0.1) + rng.uniform(0, 0.1);
      }
    }
  }
  return { x, y };
}

test('HOG: geometry, L2-Hys bound, brightness invariance and orientation', () => {
  assert.deepEqual(hogShape(28, 28), { cellsY: 7, cellsX: 7, blocksY: 6, blocksX: 6, length: 1296 });
  const { x } = shapes(3, 1);
  const img = x.subarray(0, 784);
  const f = hog(img, 28, 28);
  assert.equal(f.length, 1296);
  assert.ok(f.every((v) => v >= 0 && v <= 1));
  const brighter = hog(Float32Array.from(img, (v) => v * 3), 28, 28);
  f.forEach((v, i) => assert.ok(Math.abs(v - brighter[i]!) < 1e-4));
  // Vertical bars have horizontal gradients: orientation 0° (bins 0 and 8 of 9) dominates.
  const bins = new Float64Array(9);
  f.forEach((v, i) => (bins[i % 9]! += v));
  assert.ok(bins[0]! + bins[8]! > 0.8 * bins.reduce((a, b) => a + b, 0));
  assert.throws(() => hog(new Float32Array(10), 28, 28), { code: 'LEPTON_ERR_SHAPE_MISMATCH' });
  assert.throws(() => hogShape(5, 5), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
});

test('codec: default budget is 256 bytes and is enforced; codes find same-class neighbours', () => {
  const { x, y } = shapes(300, 2);
  // 7-pixel cells (324 HOG values) keep the PCA fit small enough for a quick test.
  const hogOpts = { cellSize: 7 };
  const codec = FeatureCodec.fit(x, 300, { fitSamples: 300, hog: hogOpts });
  assert.equal(codec.codeBytes, 256);
  assert.ok(codec.codeBytes <= 256);
  const small = FeatureCodec.fit(x, 300, { bytes: 32, hog: hogOpts });
  assert.equal(small.encode(x.subarray(0, 784), 1).length, 32);
  assert.throws(() => FeatureCodec.fit(x, 300, { bytes: 32, dims: 64, hog: hogOpts }), { code: 'LEPTON_ERR_INVALID_ARGUMENT' });
  const index = new VectorIndex(small.quantizer);
  index.add(small.encode(x, 300));
  const q = shapes(30, 3);
  const hits = index.search(small.embed(q.x, 30), 5);
  let right = 0;
  hits.forEach((h, i) => (right += h.filter((hit) => y[hit.id] === q.y[i]).length));
  assert.ok(right / 150 > 0.9, `same-class neighbour rate ${right / 150}`);
  // Codec JSON round trip keeps embeddings.
  const again = FeatureCodec.fromJSON(JSON.parse(JSON.stringify(small.toJSON())));
  assert.deepEqual(Array.from(again.encode(q.x, 30)), Array.from(small.encode(q.x, 30)));
});

test('index: scan and GEMM paths agree; remove; save/load; corrupt files are refused', () => {
  const { x } = shapes(120, 4);
  const codec = FeatureCodec.fit(x, 120, { bytes: 16, hog: { cellSize: 7 } });
  const index = new VectorIndex(codec.quantizer, { note: 'test' });
  const ids = index.add(codec.encode(x, 120), Array.from({ length: 120 }, (_, i) => 1000 + i));
  assert.equal(ids[0], 1000);
  const q = codec.embed(x.subarray(0, 10 * 784), 10);
  const batch = index.search(q, 3); // 10 queries: GEMM path
  for (let i = 0; i < 10; i++) {
    const one = index.search(q.subarray(i * 16, (i + 1) * 16), 3)[0]!; // scan path
    assert.deepEqual(one.map((h) => h.id), batch[i]!.map((h) => h.id));
    one.forEach((h, r) => assert.ok(Math.abs(h.distance - batch[i]![r]!.distance) < 1e-3));
  }
  assert.equal(batch[0]![0]!.id, 1000); // an indexed image is its own nearest code
  assert.ok(index.remove(1000));
  assert.ok(!index.remove(1000 + 999));
  assert.equal(index.size, 119);
  assert.notEqual(index.search(q.subarray(0, 16), 1)[0]![0]!.id, 1000);

  const dir = mkdtempSync(join(tmpdir(), 'lep-vidx-'));
  try {
    const p = join(dir, 'a.idx');
    index.save(p);
    const back = VectorIndex.load(p);
    assert.equal(back.size, 119);
    assert.deepEqual(back.meta, { note: 'test' });
    assert.deepEqual(back.search(q, 3), index.search(q, 3));
    const bytes = readFileSync(p);
    const flip = Buffer.from(bytes);
    flip[flip.length - 7]! ^= 0xff;
    for (const [name, b] of [
      ['flipped', flip],
      ['truncated', bytes.subarray(0, bytes.length - 5)],
      ['magic', Buffer.concat([Buffer.from('NOTANIDX'), bytes.subarray(8)])],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      writeFileSync(join(dir, name), b);
      assert.throws(() => VectorIndex.load(join(dir, name)), { code: 'LEPTON_ERR_CORRUPT_FILE' }, name);
    }
    assert.throws(() => VectorIndex.load(join(dir, 'missing')), { code: 'LEPTON_ERR_NOT_FOUND' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HOG from an image file matches HOG of the decoded pixels', async () => {
  const { x } = shapes(1, 5);
  const png = encodePng(x, 28, 28);
  const fromFile = await hogFromImage(png, 28, 28);
  const direct = hog(Float32Array.from(x, (v) => Math.round(v * 255) / 255), 28, 28);
  fromFile.forEach((v, i) => assert.ok(Math.abs(v - direct[i]!) < 1e-4));
  await assert.rejects(hogFromImage(new Uint8Array([1, 2, 3]), 28, 28), { code: 'LEPTON_ERR_IMAGE_DECODE' });
});
