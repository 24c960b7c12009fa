/**
 * Issue 15: gradient buckets are all-reduced as backward finishes them, not after it. An ordering
 * log shows each bucket launched inside backward, in bucket order, while earlier layers' gradients
 * are still zero, with its final values; and two tcp ranks in this process, with small buckets
 * launched mid-backward, end k steps with the weights of one process at the global batch (1e-5).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import { buildModule, namedArch, SGD, type Batch, type Module } from '../src/nn/index.js';
import { DataParallel, connectTcpGroup, fitDataParallel, soloGroup, type ProcessGroup } from '../src/parallel/index.js';
import { packF64, unpackF64 } from '../src/parallel/data-parallel.js';
import { freePort } from '../src/parallel/testing.js';
import { Tensor, softmaxCrossEntropy } from '../src/tensor/index.js';
import { type ImageDataset } from '../src/data/index.js';

function mlp(): Module {
  return buildModule(namedArch('mlp', 10).model, { rng: new Rng(5) });
}

function dataset(n: number): ImageDataset {
  const rng = new Rng(11);
  return { name: 'synthetic', n, shape: [1, 28, 28], numClasses: 10, x: Float32Array.from({ length: n * 784 }, () => rng.uniform(0, 1)), y: Int32Array.from({ length: n }, (_, i) => i % 10) } as ImageDataset;
}

test('each bucket is launched during backward, in order, with its final gradient, before the first layer has one', async () => {
  const model = mlp();
  const params = model.parameters(); // [W1 784×128, b1, W2 128×10, b2]: backward finishes them back to front
  const first = params[0]!;
  const log: string[] = [];
  const launched: Float32Array[] = [];
  const group: ProcessGroup = {
    ...soloGroup(),
    worldSize: 2,
    transport: 'tcp',
    allReduce: async (data) => {
      const firstDone = first.grad!.some((v) => v !== 0);
      log.push(`launch ${data.length}${firstDone ? '' : ' (first layer not done)'}`);
      launched.push(data.slice());
    },
  };
  // 4 KiB buckets: each parameter its own bucket (b2, W2, b1, W1 in the flat order).
  const dp = new DataParallel(model, group, { bucketBytes: 4096 });
  assert.equal(dp.overlap, true);
  assert.deepEqual(dp.buckets.map((b) => b.length), [10, 1280, 128, 100352]);
  const hooks = dp.hooks();
  const ds = dataset(32);
  const b: Batch = { x: ds.x, y: ds.y, size: 32 };
  const loss = softmaxCrossEntropy(model.forward(new Tensor(b.x, [32, 784])), b.y);
  for (const p of params) p.grad!.fill(0);
  hooks.beforeBackward!(loss);
  log.push('backward start');
  loss.backward();
  log.push('backward end');
  await hooks.afterBackward!();
  assert.deepEqual(log, [
    'backward start',
    'launch 10 (first layer not done)',
    'launch 1280 (first layer not done)',
    'launch 128', // b1 and W1: one linear node finishes both
    'launch 100352',
    'backward end',
  ]);
  // Launched with their final values: the all-reduce sends what backward ends with.
  dp.buckets.forEach((bucket, i) => assert.deepEqual(launched[i], bucket));
});

test('without overlap (threads default) the buckets go after backward, as before', async () => {
  const log: string[] = [];
  const group: ProcessGroup = { ...soloGroup(), worldSize: 2, allReduce: async () => void log.push('launch') };
  const model = mlp();
  const dp = new DataParallel(model, group, { bucketBytes: 4096 });
  assert.equal(dp.overlap, false);
  const hooks = dp.hooks();
  const ds = dataset(8);
  const loss = softmaxCrossEntropy(model.forward(new Tensor(ds.x, [8, 784])), ds.y);
  hooks.beforeBackward!(loss);
  loss.backward();
  log.push('backward end');
  await hooks.afterBackward!();
  assert.deepEqual(log, ['backward end', 'launch']); // one collective for the whole flat gradient
});

test('two tcp ranks with buckets launched mid-backward end with the weights of one process (1e-5)', async () => {
  const train = dataset(256);
  const job = (group: ProcessGroup, model: Module) =>
    fitDataParallel(model, { group, train, globalBatch: 64, seed: 2, epochs: 2, inputShape: [784], optimizer: (p) => new SGD(p, { lr: 0.05, momentum: 0.9 }), bucketBytes: 4096 });
  const one = mlp();
  await job(soloGroup(), one);
  const masterPort = await freePort();
  const secret = randomBytes(24).toString('hex');
  const models = [mlp(), mlp()];
  await Promise.all(
    [0, 1].map(async (rank) => {
      const g = await connectTcpGroup({ rank, worldSize: 2, masterAddr: '127.0.0.1', masterPort, secret, signature: 'overlap', chunkBytes: 4096, timeoutMs: 20_000, collectiveTimeoutMs: 20_000 });
      try {
        await job(g, models[rank]!);
      } finally {
        await g.close();
      }
    }),
  );
  const ref = one.parameters();
  let worst = 0;
  let moved = 0;
  const init = mlp().parameters();
  for (const m of models) {
    m.parameters().forEach((p, i) => {
      for (let k = 0; k < p.size; k++) {
        worst = Math.max(worst, Math.abs(p.data[k]! - ref[i]!.data[k]!));
        moved = Math.max(moved, Math.abs(p.data[k]! - init[i]!.data[k]!));
      }
    });
  }
  assert.ok(worst <= 1e-5, `max |Δw| ${worst}`);
  assert.ok(moved > 1e-3, 'the weights moved');
});

test('epoch metrics cross the float32 collectives exactly (packF64)', () => {
  const vs = [0.9175, 1 / 3, 0.123456789012345, 2.5e-7, 1234.5678901234, NaN, Infinity, 0];
  const back = unpackF64(packF64(vs));
  vs.forEach((v, i) => assert.ok(Object.is(back[i], v), `${v} came back as ${back[i]}`));
});
