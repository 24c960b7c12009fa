// Data parallelism changes where the arithmetic runs, not its result: with the same seed and global
// batch, one process, --workers 2 (threads) and two tcp processes on loopback end a few steps of
// training with the same weights (to 1e-5; only the summation order of the gradient may differ).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../src/nn/index.js';
import { freePort } from '../src/parallel/testing.js';
import { runParallelTrainJob, type ParallelSetup } from '../src/cli/train-parallel.js';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
// 512 samples at global batch 128: 4 optimizer steps an epoch, 2 epochs. SGD, whose step scales
// with the gradient (Adam's does not), so a sum where a mean belongs would show.
const JOB = { dataset: 'mnist-small', limitTrain: 512, limitTest: 200, epochs: 2, batchSize: 128, seed: 3, optimizer: 'sgd' as const };

function maxDiff(a: string, b: string): number {
  const x = loadCheckpoint(a).state;
  const y = loadCheckpoint(b).state;
  assert.deepEqual([...x.keys()], [...y.keys()]);
  let worst = 0;
  for (const [name, t] of x) {
    const u = y.get(name)!.data;
    for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(t.data[i]! - u[i]!));
  }
  return worst;
}

async function train(dir: string, arch: string, parallel: ParallelSetup, optimizer: 'sgd' | 'adam' = 'sgd'): Promise<string> {
  const out = join(dir, `${arch}-${parallel.transport}-${optimizer}`);
  const r = await runParallelTrainJob({ ...JOB, optimizer, arch, outDir: out, parallel });
  assert.ok(r.files);
  return r.files.safetensors;
}

test('mlp (sgd) and cnn (adam): --workers 2 (threads) ends with the weights of one process, to 1e-5', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-par-eq-'));
  try {
    for (const [arch, opt] of [['mlp', 'sgd'], ['cnn', 'adam']] as const) {
      const one = await train(dir, arch, { transport: 'single' }, opt);
      const two = await train(dir, arch, { transport: 'threads', workers: 2 }, opt);
      const d = maxDiff(one, two);
      t.diagnostic(`${arch} ${opt}: max |Δw| one process vs --workers 2 = ${d.toExponential(2)}`);
      assert.ok(d <= 1e-5, `${arch}: max |Δw| = ${d}`);
      // The weights did move: the comparison is not between two copies of the initial weights.
      const init = loadCheckpoint(one).state.get('0.weight')!.data;
      assert.ok(init.some((v, i) => v !== loadCheckpoint(two).state.get('0.weight')!.data[i] || v !== 0));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('two tcp processes on loopback end with the weights of one process and of --workers 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-par-tcp-'));
  try {
    const port = await freePort();
    const env = { ...process.env, LEPTON_DIST_SECRET: randomBytes(24).toString('hex') };
    const args = (rank: number): string[] => [
      '--import', 'tsx', MAIN, 'train', '--dataset', JOB.dataset, '--arch', 'mlp', '--limit-train', String(JOB.limitTrain), '--limit-test', String(JOB.limitTest),
      '--epochs', String(JOB.epochs), '--batch-size', String(JOB.batchSize), '--seed', String(JOB.seed), '--optimizer', JOB.optimizer, '--out', join(dir, `tcp-${rank}`),
      '--nnodes', '2', '--node-rank', String(rank), '--master', `127.0.0.1:${port}`,
    ];
    const runs = [0, 1].map(
      (rank) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, args(rank), { env, stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
          child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
          const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
          child.on('exit', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
        }),
    );
    const [r0, r1] = await Promise.all(runs);
    assert.equal(r0!.code, 0, r0!.stderr);
    assert.equal(r1!.code, 0, r1!.stderr);
    assert.match(r0!.stdout, /on 2 ranks \(tcp\)/);
    assert.match(r1!.stdout, /rank 1 of 2 done/);
    const tcp = join(dir, 'tcp-0', 'model.safetensors');
    const one = await train(dir, 'mlp', { transport: 'single' });
    const threads = await train(dir, 'mlp', { transport: 'threads', workers: 2 });
    t.diagnostic(`mlp sgd: max |Δw| tcp vs one process = ${maxDiff(tcp, one).toExponential(2)}, tcp vs threads = ${maxDiff(tcp, threads).toExponential(2)}`);
    assert.ok(maxDiff(tcp, one) <= 1e-5, `tcp vs one process: ${maxDiff(tcp, one)}`);
    assert.ok(maxDiff(tcp, threads) <= 1e-5, `tcp vs threads: ${maxDiff(tcp, threads)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
