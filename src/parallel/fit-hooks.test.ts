// The training-loop hooks parallel training relies on (nn/trainer.ts): the loss-scale seed, a
// skipped update, async hooks under fitAsync, and fit refusing them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { SGD, buildModule, fit, fitAsync, type Batch, type FitOptions, type Module } from '../nn/index.js';

function setup(): { model: Module; o: Omit<FitOptions, 'optimizer'> & { optimizer: SGD } } {
  const model = buildModule({ type: 'linear', inFeatures: 4, outFeatures: 2 }, { rng: new Rng(0) });
  const rng = new Rng(1);
  const b: Batch = { x: Float32Array.from({ length: 32 }, () => rng.uniform(-1, 1)), y: Int32Array.from({ length: 8 }, (_, i) => i % 2), size: 8 };
  return { model, o: { epochs: 1, train: () => [b], inputShape: [4], optimizer: new SGD(model.parameters(), { lr: 0.1 }) } };
}

test('lossScale seeds backward; afterBackward sees the scaled gradient and may skip the update', async () => {
  const plain = setup();
  const seen: number[] = [];
  plain.o.hooks = { afterBackward: () => (seen.push(plain.model.parameters()[0]!.grad![0]!), true) };
  fit(plain.model, plain.o);
  const scaled = setup();
  const before = scaled.model.parameters()[0]!.data.slice();
  scaled.o.hooks = {
    lossScale: () => 1024,
    afterBackward: async () => (seen.push(scaled.model.parameters()[0]!.grad![0]!), false),
  };
  await fitAsync(scaled.model, scaled.o);
  assert.ok(Math.abs(seen[1]! - 1024 * seen[0]!) <= 1e-3 * Math.abs(seen[1]!), `${seen}`);
  assert.deepEqual([...scaled.model.parameters()[0]!.data], [...before], 'a skipped step leaves the weights');
  assert.equal(scaled.o.optimizer.stepCount, 0);
});

test('fit refuses an async hook; fitAsync waits for it', async () => {
  const s = setup();
  s.o.hooks = { afterBackward: async () => true };
  assert.throws(() => fit(s.model, s.o), /use fitAsync/);
  let synced = 0;
  s.o.hooks = { afterBackward: async () => true, syncEpoch: async (m) => (synced++, { ...m, testAccuracy: 0.5 }) };
  const r = await fitAsync(s.model, s.o);
  assert.equal(synced, 1);
  assert.equal(r.history[0]!.testAccuracy, 0.5);
});
