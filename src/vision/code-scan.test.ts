// The bounded integer code scan must return exactly the float scan's top-k (ties included), with
// the wasm kernel and with its JS reference, on random codes with duplicates and on odd widths
// (rows padded to 16 bytes in wasm memory); and the wasm dots must equal the JS reference's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { codeScanner, maxCodeWeight } from '../tensor/wasm/codes-api.js';
import { boundedScan, exactScan, jsIntDots, type CodeSet } from './code-scan.js';
import { VectorIndex } from './vector-index.js';
import { dequantize } from './quantizer.js';
import { requireWasm } from '../tensor/wasm/wasm-build.fixture.js';

function randomSet(n: number, d: number, seed: number): CodeSet {
  const rng = new Rng(seed);
  const codes = new Int8Array(n * d);
  for (let i = 0; i < codes.length; i++) codes[i] = rng.int(255) - 127;
  // Duplicated rows: equal values, where only the index order decides.
  for (let r = 0; r < n; r += 7) codes.copyWithin(r * d, 0, d);
  const quantizer = { dims: d, scale: Float32Array.from({ length: d }, () => rng.uniform(0.001, 0.05)), offset: Float32Array.from({ length: d }, () => rng.uniform(-1, 1)) };
  const dec = dequantize(quantizer, codes);
  const norms = new Float32Array(n);
  const l1 = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    let l = 0;
    for (let j = r * d; j < (r + 1) * d; j++) {
      s += (dec[j] as number) ** 2;
      l += Math.abs(codes[j] as number);
    }
    norms[r] = s;
    l1[r] = l;
  }
  return { codes, count: n, dims: d, norms, l1, quantizer };
}

function queriesNear(set: CodeSet, nq: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const dec = dequantize(set.quantizer, set.codes);
  const q = new Float32Array(nq * set.dims);
  for (let i = 0; i < nq; i++) {
    const r = rng.int(set.count);
    // Query 0 sits exactly on a duplicated row: the top-k is all ties.
    for (let j = 0; j < set.dims; j++) q[i * set.dims + j] = (dec[(i === 0 ? 0 : r) * set.dims + j] as number) + (i === 0 ? 0 : rng.normal() * 0.05);
  }
  return q;
}

test('bounded integer scan returns the exact scan’s top-k, ties and odd widths included', () => {
  const wasm = codeScanner();
  for (const [n, d, seed] of [[700, 64, 1], [500, 37, 2], [300, 256, 3]] as const) {
    const set = randomSet(n, d, seed);
    const q = queriesNear(set, 6, seed + 10);
    const want = exactScan(set, q, 6, 10);
    // Coarse weights (|w̃| ≤ 7, ≤ 1) make the rounding error large: only the bound keeps the result exact.
    for (const maxWeight of [maxCodeWeight(d), 7, 1]) {
      const js = boundedScan(set, q, 6, 10, jsIntDots(set), maxWeight);
      assert.deepEqual(js, want, `JS dots, n=${n} d=${d} max |w̃| ${maxWeight}`);
    }
    // The first query's top-10 are the duplicates of row 0, in index order.
    assert.deepEqual(Array.from(want.indices.subarray(0, 10)), [0, 7, 14, 21, 28, 35, 42, 49, 56, 63]);
    if (wasm) {
      const owner = {};
      const viaWasm = boundedScan(set, q, 6, 10, (w) => wasm.dots(set.codes, n, d, w, owner, 0), maxCodeWeight(d));
      assert.deepEqual(viaWasm, want, `wasm dots, n=${n} d=${d}`);
    }
  }
});

test('wasm code dots equal the JS reference, and a changed version recopies the codes', () => {
  const wasm = requireWasm(codeScanner(), 'code scan kernel');
  const set = randomSet(101, 40, 5);
  const rng = new Rng(6);
  const w = Int16Array.from({ length: 40 }, () => rng.int(2 * maxCodeWeight(40) + 1) - maxCodeWeight(40));
  const owner = {};
  assert.deepEqual(Array.from(wasm.dots(set.codes, 101, 40, w, owner, 1)!), Array.from(jsIntDots(set)(w)!));
  set.codes.fill(1);
  assert.deepEqual(Array.from(wasm.dots(set.codes, 101, 40, w, owner, 2)!), Array.from(jsIntDots(set)(w)!));
});

test('VectorIndex single-query search equals the exact scan after add and remove', () => {
  const set = randomSet(400, 48, 8);
  const index = new VectorIndex(set.quantizer);
  index.add(set.codes);
  index.remove(3);
  const q = queriesNear(set, 3, 9);
  const rest = randomSet(400, 48, 8);
  // The reference: the same codes without id 3.
  const keep = Array.from({ length: 400 }, (_, i) => i).filter((i) => i !== 3);
  const ref: CodeSet = {
    ...rest,
    count: 399,
    codes: Int8Array.from(keep.flatMap((i) => Array.from(rest.codes.subarray(i * 48, (i + 1) * 48)))),
    norms: Float32Array.from(keep, (i) => rest.norms[i] as number),
    l1: Float32Array.from(keep, (i) => rest.l1[i] as number),
  };
  for (let i = 0; i < 3; i++) {
    const got = index.search(q.subarray(i * 48, (i + 1) * 48), 5)[0]!;
    const want = exactScan(ref, q.subarray(i * 48, (i + 1) * 48), 1, 5);
    assert.deepEqual(got.map((h) => h.id), Array.from(want.indices, (r) => keep[r]));
    got.forEach((h, r) => assert.ok(Math.abs(h.distance - (want.distances[r] as number)) < 1e-4));
  }
});
