/**
 * The one conformance suite every Strategy passes (strategy.test.ts runs it once per strategy).
 * Test-only; not exported from the barrel. It checks the contract the server relies on, not one
 * algorithm's numbers: inputs untouched, zero update is a fixed point, movement follows the sign of
 * the mean delta, wrong lengths refused, determinism, and checkpointed state resuming exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { weightedMean, type Strategy } from './strategy.js';

const vec = (rng: Rng, n: number, s = 1): Float32Array => Float32Array.from({ length: n }, () => rng.normal(0, s));
const agg = (d: Float32Array) => ({ meanDelta: d, totalExamples: 10, clients: 2 });

export function strategyConformance(label: string, make: () => Strategy): void {
  test(`${label}: a zero update leaves the model unchanged and inputs are not modified`, () => {
    const rng = new Rng(1);
    const g = vec(rng, 50);
    const g0 = g.slice();
    const zero = new Float32Array(50);
    const out = make().aggregate(g, agg(zero));
    assert.deepEqual(out, g0);
    assert.deepEqual(g, g0);
    assert.notEqual(out, g, 'returns a new array');
  });

  test(`${label}: the first step moves every weight in the direction of the mean delta`, () => {
    const rng = new Rng(2);
    const g = vec(rng, 64);
    const d = vec(rng, 64, 0.1);
    const out = make().aggregate(g, agg(d));
    for (let i = 0; i < g.length; i++) {
      if (Math.abs(d[i]!) < 1e-6) continue;
      assert.equal(Math.sign(out[i]! - g[i]!), Math.sign(d[i]!), `coordinate ${i}`);
    }
  });

  test(`${label}: a length mismatch is LEPTON_ERR_SHAPE_MISMATCH`, () => {
    assert.throws(() => make().aggregate(new Float32Array(4), agg(new Float32Array(5))), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_SHAPE_MISMATCH');
  });

  test(`${label}: deterministic, and resuming from state() gives the same next model`, () => {
    const rng = new Rng(3);
    const g = vec(rng, 32);
    const d1 = vec(rng, 32, 0.1);
    const d2 = vec(rng, 32, 0.1);
    const a = make();
    const b = make();
    const a1 = a.aggregate(g, agg(d1));
    assert.deepEqual(b.aggregate(g, agg(d1)), a1);
    const resumed = make();
    resumed.loadState(a.state());
    assert.deepEqual(resumed.aggregate(a1, agg(d2)), a.aggregate(a1, agg(d2)));
    for (const v of Object.values(a.state())) assert.ok(v instanceof Float32Array);
  });

  test(`${label}: weighted by example counts through weightedMean`, () => {
    const g = new Float32Array(2);
    // 30 examples say +1, 10 say −1 → mean +0.5 > 0; equal weights would give 0
    const m = weightedMean([
      { delta: Float32Array.of(1, -1), numExamples: 30 },
      { delta: Float32Array.of(-1, 1), numExamples: 10 },
    ]);
    assert.deepEqual([...m.meanDelta], [0.5, -0.5]);
    const out = make().aggregate(g, m);
    assert.ok(out[0]! > 0 && out[1]! < 0);
  });

  test(`${label}: clientConfig gives a finite, non-negative proximal μ`, () => {
    const mu = make().clientConfig().proxMu;
    assert.ok(Number.isFinite(mu) && mu >= 0);
  });
}
