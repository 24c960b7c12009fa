// Runs the Strategy conformance suite for each strategy, plus each algorithm's own arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strategyConformance } from './strategy.conformance.js';
import { FedAdam, FedAvg, FedProx, makeStrategy } from './strategy.js';

strategyConformance('fedavg', () => new FedAvg());
strategyConformance('fedprox', () => new FedProx(0.1));
strategyConformance('fedadam', () => new FedAdam({ lr: 0.05 }));

test('FedAvg adds the mean delta exactly; FedProx sends μ to clients', () => {
  const out = new FedAvg().aggregate(Float32Array.of(1, 2), { meanDelta: Float32Array.of(0.5, -1), totalExamples: 2, clients: 1 });
  assert.deepEqual([...out], [1.5, 1]);
  assert.equal(new FedProx(0.3).clientConfig().proxMu, 0.3);
  assert.equal(makeStrategy('fedprox', { mu: 0.2 }).clientConfig().proxMu, 0.2);
});

test('FedAdam follows Reddi et al. Algorithm 2 (no bias correction)', () => {
  const s = new FedAdam({ lr: 0.1, beta1: 0.9, beta2: 0.99, tau: 0.001 });
  const d = 0.2;
  const out = s.aggregate(Float32Array.of(0), { meanDelta: Float32Array.of(d), totalExamples: 1, clients: 1 });
  const m = 0.1 * d;
  const v = 0.01 * d * d;
  assert.ok(Math.abs(out[0]! - (0.1 * m) / (Math.sqrt(v) + 0.001)) < 1e-6);
  const out2 = s.aggregate(out, { meanDelta: Float32Array.of(d), totalExamples: 1, clients: 1 });
  const m2 = 0.9 * m + 0.1 * d;
  const v2 = 0.99 * v + 0.01 * d * d;
  assert.ok(Math.abs(out2[0]! - out[0]! - (0.1 * m2) / (Math.sqrt(v2) + 0.001)) < 1e-6);
});

test('makeStrategy refuses unknown names', () => {
  assert.throws(() => makeStrategy('fedsgd'), /unknown strategy/);
});
