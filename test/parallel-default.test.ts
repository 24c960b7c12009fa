/**
 * Issue 15: `lep train` runs 2 threads-transport ranks by default when 2 cores are free and the run
 * allows it; LEPTON_WORKERS, --workers 1 and --kernel-threads override, and the jobs service's
 * OMP_NUM_THREADS (a job's thread allotment) caps the free cores.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultWorkers, freeCores, parallelFromFlags, relayProgress } from '../src/cli/train-parallel.js';

const noFile = (): string => {
  throw new Error('unexpected read');
};
const base = { batchSize: '128', arch: 'cnn' };

test('two free cores and an even batch: 2 ranks on the threads transport, marked auto', () => {
  assert.deepEqual(parallelFromFlags(base, {}, noFile, 2), { parallel: { transport: 'threads', workers: 2, auto: true }, precision: 'fp32' });
  assert.deepEqual(parallelFromFlags({ ...base, precision: 'bf16' }, {}, noFile, 8)?.parallel, { transport: 'threads', workers: 2, auto: true });
});

test('one process when a core is missing, the batch is odd, the model has batch norm, the step is small, or --kernel-threads was given', () => {
  assert.equal(parallelFromFlags(base, {}, noFile, 1), null);
  assert.equal(defaultWorkers({ ...base, batchSize: '127' }, {}, 2), 1);
  assert.equal(defaultWorkers({ ...base, arch: 'mobilenet-mini' }, {}, 2), 1);
  assert.equal(defaultWorkers({ ...base, kernelThreads: '2' }, {}, 2), 1);
  assert.equal(defaultWorkers({ ...base, kernelThreads: '1' }, {}, 2), 1);
  // Too little work per rank and step for the barrier to pay off: the MLP at any usual batch, the CNN at 8.
  assert.equal(defaultWorkers({ ...base, arch: 'mlp' }, {}, 2), 1);
  assert.equal(defaultWorkers({ ...base, arch: 'mlp', batchSize: '32' }, {}, 2), 1);
  assert.equal(defaultWorkers({ ...base, batchSize: '8' }, {}, 2), 1);
  assert.equal(defaultWorkers({ ...base, batchSize: '32' }, {}, 2), 2);
  assert.deepEqual(parallelFromFlags({ ...base, precision: 'fp16' }, {}, noFile, 1), { parallel: { transport: 'single' }, precision: 'fp16' });
});

test('explicit choices win: --workers 1, --workers N, LEPTON_WORKERS, and tcp settings', () => {
  assert.deepEqual(parallelFromFlags({ ...base, workers: '1' }, {}, noFile, 2), { parallel: { transport: 'single' }, precision: 'fp32' });
  assert.deepEqual(parallelFromFlags({ ...base, workers: '3', batchSize: '129' }, {}, noFile, 2)?.parallel, { transport: 'threads', workers: 3 });
  assert.equal(parallelFromFlags(base, { LEPTON_WORKERS: '1' }, noFile, 2), null);
  assert.equal(defaultWorkers(base, { LEPTON_WORKERS: '4' }, 1), 4);
  assert.throws(() => defaultWorkers({ ...base, batchSize: '130' }, { LEPTON_WORKERS: '4' }, 2), /multiple of the number of ranks/);
  assert.throws(() => defaultWorkers(base, { LEPTON_WORKERS: 'two' }, 2), /LEPTON_WORKERS must be an integer/);
  const tcp = parallelFromFlags(base, { WORLD_SIZE: '2', RANK: '1', MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29500', LEPTON_DIST_SECRET: 'x'.repeat(32) }, noFile, 2);
  assert.equal(tcp?.parallel.transport, 'tcp');
});

test('free cores: capped by OMP_NUM_THREADS (a job allotment) and by a cgroup CPU quota', () => {
  const quota = (q: string) => (path: string) => (path === '/sys/fs/cgroup/cpu.max' ? q : noFile());
  assert.equal(freeCores({ OMP_NUM_THREADS: '1' }, quota('max 100000')), 1);
  assert.equal(freeCores({}, quota('150000 100000')), 1);
  assert.ok(freeCores({}, quota('max 100000')) >= 1);
  assert.ok(freeCores({}, noFile) >= 1);
});

test('a worker rank relays progress at most every 250 ms, but always the epoch end and the finish line', () => {
  const got: unknown[] = [];
  const sink = relayProgress((m) => got.push(m));
  for (let i = 1; i <= 100; i++) sink.update(i, 100, `step ${i}`);
  sink.finish('epoch 1/1 done');
  const kinds = got.map((m) => (m as { progress: string; done?: number }).done ?? 'finish');
  assert.deepEqual(kinds, [1, 100, 'finish']);
});
