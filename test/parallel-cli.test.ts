// How `lep train` picks its parallel setup from flags and the orchestrator's environment variables,
// and the clear errors for a setup that cannot work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parallelFromFlags, runParallelTrainJob } from '../src/cli/train-parallel.js';

const SECRET = 'a-shared-secret-of-32-characters';
const noFile = (): string => {
  throw new Error('no file expected');
};

test('flags: --workers picks threads (1 = this process), --precision alone trains here, plain fp32 is the classic path', () => {
  assert.deepEqual(parallelFromFlags({ workers: '2' }, {}, noFile), { parallel: { transport: 'threads', workers: 2 }, precision: 'fp32' });
  assert.deepEqual(parallelFromFlags({ workers: '1', precision: 'bf16' }, {}, noFile), { parallel: { transport: 'single' }, precision: 'bf16' });
  // One free core: no default ranks (test/parallel-default.test.ts covers the 2-core default).
  assert.deepEqual(parallelFromFlags({ precision: 'fp16' }, {}, noFile, 1), { parallel: { transport: 'single' }, precision: 'fp16' });
  assert.equal(parallelFromFlags({ precision: 'fp32' }, {}, noFile, 1), null);
  assert.equal(parallelFromFlags({}, { WORLD_SIZE: '1' }, noFile, 1), null);
});

test('tcp from flags, or from WORLD_SIZE / RANK / MASTER_ADDR / MASTER_PORT / LEPTON_DIST_SECRET, or a secret file', () => {
  const want = { parallel: { transport: 'tcp', worldSize: 4, rank: 3, masterAddr: '10.0.0.1', masterPort: 29500, secret: SECRET }, precision: 'fp32' };
  assert.deepEqual(parallelFromFlags({ nnodes: '4', nodeRank: '3', master: '10.0.0.1:29500' }, { LEPTON_DIST_SECRET: SECRET }, noFile), want);
  assert.deepEqual(parallelFromFlags({}, { WORLD_SIZE: '4', RANK: '3', MASTER_ADDR: '10.0.0.1', MASTER_PORT: '29500', LEPTON_DIST_SECRET: SECRET }, noFile), want);
  assert.deepEqual(parallelFromFlags({ nnodes: '4', nodeRank: '3', master: '10.0.0.1:29500', secretFile: '/s' }, {}, (p) => (p === '/s' ? `${SECRET}\n` : '')), want);
  const v6 = parallelFromFlags({ nnodes: '2', nodeRank: '0', master: '[::1]:29500' }, { LEPTON_DIST_SECRET: SECRET }, noFile);
  assert.equal(v6 && v6.parallel.transport === 'tcp' && v6.parallel.masterAddr, '::1');
});

test('setups that cannot work are refused with a reason, before any data loads', async () => {
  const bad: Array<[Parameters<typeof parallelFromFlags>[0], Record<string, string>, RegExp]> = [
    [{ workers: '2', nnodes: '2' }, {}, /cannot be combined/],
    [{ workers: '0' }, {}, /--workers must be an integer ≥ 1/],
    [{ precision: 'fp8' }, {}, /unknown precision "fp8"/],
    [{ nnodes: '2', master: 'h:1' }, { LEPTON_DIST_SECRET: SECRET }, /needs --node-rank/],
    [{ nnodes: '2', nodeRank: '2', master: 'h:1' }, { LEPTON_DIST_SECRET: SECRET }, /must be below --nnodes 2/],
    [{ nnodes: '2', nodeRank: '1' }, { LEPTON_DIST_SECRET: SECRET }, /needs --master HOST:PORT/],
    [{ nnodes: '2', nodeRank: '1', master: 'nohost' }, { LEPTON_DIST_SECRET: SECRET }, /HOST:PORT/],
    [{ nnodes: '2', nodeRank: '1', master: 'h:1' }, {}, /LEPTON_DIST_SECRET or pass --secret-file/],
    [{ nnodes: '2', nodeRank: '1', master: 'h:1' }, { LEPTON_DIST_SECRET: 'short' }, /at least 16 bytes/],
  ];
  for (const [flags, env, re] of bad) assert.throws(() => parallelFromFlags(flags, env, noFile), re, JSON.stringify(flags));
  await assert.rejects(
    runParallelTrainJob({ dataset: 'mnist-small', arch: 'mlp', batchSize: 127, outDir: '/nonexistent/never-written', parallel: { transport: 'threads', workers: 2 } }),
    /global batch size 127 must be a multiple of the number of ranks \(2\)/,
  );
});
