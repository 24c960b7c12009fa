// `lep train` end to end on MNIST (the first 10,000 train and 2000 test images, to stay fast): artefacts
// written, accuracy bound reached, the ONNX model scores the same in onnxruntime, the checkpoint
// reloads; bad arguments exit 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadDataset } from '../src/data/index.js';
import { loadCheckpoint, modelFromCheckpoint, evaluate } from '../src/nn/index.js';
import { runTrainJob } from '../src/cli/train-job.js';
import { LeptonError, exitCodeFor } from '../src/core/errors.js';

const ROOT = resolve(import.meta.dirname, '..');
const lep = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });

test('lep train (mlp, mnist) writes model.onnx, model.safetensors and metrics.json that agree', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-train-'));
  try {
    const limits = ['--limit-train', '10000', '--limit-test', '2000'];
    const r = lep(['--dataset', 'mnist', '--arch', 'mlp', '--epochs', '3', '--batch-size', '32', '--seed', '1', ...limits, '--out', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /accuracy \d+\.\d+% after 3 epochs/);
    const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as Record<string, number>;
    for (const k of ['accuracy', 'epochs', 'seconds_per_epoch', 'images_per_second']) assert.equal(typeof m[k], 'number', k);
    assert.equal(m['epochs'], 3);
    assert.deepEqual([m['train_samples'], m['test_samples']], [10000, 2000]);
    assert.ok(m['accuracy']! >= 0.9, `accuracy ${m['accuracy']}`);
    // The ONNX model scores exactly what the trainer reported, on the same held-out split.
    const { test: ts } = loadDataset('mnist', { limitTest: 2000 });
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
    const out = await session.run({ input: new ort.Tensor('float32', ts.x, [ts.n, 784]) });
    await session.release();
    const logits = out['logits']!.data as Float32Array;
    let hits = 0;
    for (let i = 0; i < ts.n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
      if (best === ts.y[i]) hits++;
    }
    assert.ok(Math.abs(hits / ts.n - m['accuracy']!) <= 1 / ts.n, `onnx ${hits / ts.n} vs ${m['accuracy']}`);
    // The checkpoint rebuilds the same model.
    const { model, arch } = modelFromCheckpoint(loadCheckpoint(join(dir, 'model.safetensors')));
    const ev = evaluate(model, [{ x: ts.x, y: ts.y, size: ts.n }], arch.inputShape);
    assert.equal(ev.accuracy, m['accuracy']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fine-tuning from a checkpoint starts where it left off (tiny run, augmented)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-train-'));
  try {
    const base = { dataset: 'mnist-small', arch: 'mlp', epochs: 1, batchSize: 32, limitTrain: 512, limitTest: 200, augment: true } as const;
    const a = runTrainJob({ ...base, outDir: join(dir, 'a') });
    const b = runTrainJob({ ...base, outDir: join(dir, 'b'), initFrom: a.files.safetensors });
    assert.ok(b.metrics.history[0]!.trainLoss < a.metrics.history[0]!.trainLoss);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad arguments: one-line error, exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-train-'));
  try {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    // Two through the real binary (exit code and the one-line message)…
    const cases: Array<[string[], RegExp]> = [
      [['--dataset', 'cifar', '--out', dir], /unknown dataset "cifar"/],
      [['--dataset', 'mnist', '--epochs', '-2', '--out', dir], /epochs must be an integer ≥ 1/],
    ];
    for (const [args, re] of cases) {
      const r = lep(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('npm warn'));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, re);
    }
    // …the rest in process: a caller's-mistake code is what makes runCommand exit with 2.
    const bad: Array<[Partial<Parameters<typeof runTrainJob>[0]>, RegExp]> = [
      [{ outDir: join(file, 'sub') }, /not writable/],
      [{ arch: 'transformer' }, /unknown architecture/],
      [{ batchSize: 0 }, /batch size/],
      [{ lr: -1 }, /learning rate/],
    ];
    for (const [o, re] of bad) {
      assert.throws(
        () => runTrainJob({ dataset: 'mnist', arch: 'mlp', outDir: dir, ...o }),
        (e: unknown) => e instanceof LeptonError && exitCodeFor(e) === 2 && re.test(e.message),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
