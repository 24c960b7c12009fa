// `lep train --init-from … --freeze … --new-head … --lr-head …` (issue 14) on a small digit set:
// the frozen layer comes out bit-identical in the fine-tuned checkpoint, the head is new and has
// the new class count, the metrics list the optimizer groups with their lrs; bad flags exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCheckpoint } from '../src/nn/index.js';
import { runTrainJob, type TrainMetrics } from '../src/cli/train-job.js';

const ROOT = resolve(import.meta.dirname, '..');

test('fine-tune: frozen layer bit-identical, new 5-class head, head group lr in the metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-transfer-'));
  try {
    const base = { dataset: 'mnist-small', arch: 'mlp', epochs: 1, batchSize: 32, seed: 1, limitTest: 500 };
    const a = runTrainJob({ ...base, classes: [0, 1, 2, 3, 4], limitTrain: 1500, outDir: join(dir, 'a') });
    assert.equal(a.metrics.train_samples > 0 && a.metrics.accuracy > 0.5, true, `base accuracy ${a.metrics.accuracy}`);
    const b = runTrainJob({ ...base, classes: [5, 6, 7, 8, 9], perClass: 20, initFrom: a.files.safetensors, freeze: '0', newHead: 5, lrHead: 0.01, outDir: join(dir, 'b') });
    assert.equal(b.metrics.train_samples, 100);
    const ca = loadCheckpoint(a.files.safetensors).state;
    const cb = loadCheckpoint(b.files.safetensors).state;
    for (const name of ['0.weight', '0.bias']) {
      assert.ok(Buffer.from(ca.get(name)!.data.buffer).equals(Buffer.from(cb.get(name)!.data.buffer)), `${name} moved`);
    }
    assert.deepEqual(cb.get('2.weight')!.shape, [5, 128]);
    const m = JSON.parse(readFileSync(b.files.metrics, 'utf8')) as TrainMetrics;
    assert.deepEqual(m.transfer?.frozen_layers, [0]);
    assert.equal(m.transfer?.new_head, 5);
    assert.deepEqual(m.transfer?.groups.map((g) => [g.name, g.lr]), [['head', 0.01]]);
    assert.equal(m.transfer?.trainable_parameters, 128 * 5 + 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lep train: a bad --freeze pattern and --freeze without --init-from exit 2 with one clear line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-transfer-'));
  try {
    const lep = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--dataset', 'mnist-small', '--out', dir, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const r1 = lep(['--freeze', '0-2']);
    assert.equal(r1.status, 2, r1.stderr);
    assert.match(r1.stderr, /--freeze and --new-head need --init-from/);
    runTrainJob({ dataset: 'mnist-small', arch: 'mlp', epochs: 1, limitTrain: 200, limitTest: 100, outDir: join(dir, 'a') });
    const r2 = lep(['--init-from', join(dir, 'a', 'model.safetensors'), '--freeze', 'conv*', '--limit-train', '100', '--epochs', '1']);
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /"conv\*" matches no layer \(layer types here: linear, relu\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
