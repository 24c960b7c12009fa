// Aggregation helpers: DP clipping bounds every client's influence, the DP noise has std σ·C/m,
// and the secure path's rescaling gives the example-weighted mean of the survivors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { addDpNoise, aggregatePlain, aggregateSecure, clientWeight, clipL2 } from './aggregate.js';
import { SecAggClient, encodeFixed } from './secagg.js';

test('clipL2 scales down only vectors above the bound', () => {
  const v = Float32Array.of(3, 4);
  assert.equal(clipL2(v, 10), 5);
  assert.deepEqual([...v], [3, 4]);
  clipL2(v, 1);
  assert.ok(Math.abs(Math.hypot(v[0]!, v[1]!) - 1) < 1e-6);
});

test('DP: one huge update moves the mean by at most C/m, and the noise std is σ·C/m', () => {
  const huge = { delta: Float32Array.of(1e6, 0), numExamples: 1_000_000 };
  const small = { delta: Float32Array.of(0, 0), numExamples: 1 };
  const agg = aggregatePlain([huge, small, small, small], { clip: 2, noise: 0 });
  assert.ok(Math.abs(agg.meanDelta[0]! - 2 / 4) < 1e-6, 'clipped to C and weighted uniformly');
  const big = { meanDelta: new Float32Array(20_000), totalExamples: 4, clients: 4 };
  const std = addDpNoise(big, { clip: 2, noise: 1.5 }, new Rng(1));
  assert.equal(std, (1.5 * 2) / 4);
  const emp = Math.sqrt(big.meanDelta.reduce((s, x) => s + x * x, 0) / big.meanDelta.length);
  assert.ok(Math.abs(emp / std - 1) < 0.03, `empirical std ${emp} vs ${std}`);
});

test('secure path: survivors\' weighted mean is recovered after a dropout', () => {
  const rid = 'r';
  const ns = [10, 30, 60];
  const cs = ns.map((_, i) => new SecAggClient(`k${i}`, rid));
  const keys = cs.map((c, i) => ({ ...c.advertise(), numExamples: ns[i]! }));
  const sent = cs.map((c) => c.makeShares(keys, 2));
  const deltas = [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(5, 5)];
  const N = 100;
  // client 2 drops after sharing
  const masked = [0, 1].map((i) => {
    const d = deltas[i]!.map((x) => x * clientWeight(ns[i]!, N, 3, false));
    return cs[i]!.mask(encodeFixed(d), keys);
  });
  const survivors = ['k0', 'k1'];
  const revealed = [0, 1].map((i) => cs[i]!.reveal(Object.fromEntries(cs.map((c, j) => [c.id, sent[j]![cs[i]!.id]!])), keys, survivors));
  const agg = aggregateSecure({ roundId: rid, u2: keys, survivors, masked, revealed, threshold: 2, dp: false });
  assert.equal(agg.clients, 2);
  assert.equal(agg.totalExamples, 40);
  assert.ok(Math.abs(agg.meanDelta[0]! - 10 / 40) < 1e-5 && Math.abs(agg.meanDelta[1]! - 30 / 40) < 1e-5, `${agg.meanDelta}`);
});
