// Mixed precision end to end: bf16 and fp16 (with loss scaling) train the MLP to the accuracy of
// fp32 on a small mnist-small run, store 2 bytes per activation value, and work under --workers 2.
// (The fashion-mnist MLP and CNN comparison, within 0.3 points, is in docs/parallel.md.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runParallelTrainJob, type ParallelSetup } from '../src/cli/train-parallel.js';
import { type Precision } from '../src/parallel/index.js';

// 2000 samples, batch 128: the last batch of each epoch holds 2000 − 15·128 = 80 samples.
const JOB = { dataset: 'mnist-small', arch: 'mlp', limitTrain: 2000, limitTest: 1000, epochs: 2, batchSize: 128, seed: 1 };

test('bf16 and fp16 reach fp32 accuracy (within 2 points here), store 16-bit activations, and run data-parallel', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-par-prec-'));
  try {
    const run = async (precision: Precision, parallel: ParallelSetup = { transport: 'single' }) =>
      (await runParallelTrainJob({ ...JOB, outDir: join(dir, `${precision}-${parallel.transport}`), parallel, precision })).metrics!;
    const fp32 = await run('fp32');
    const bf16 = await run('bf16');
    const fp16 = await run('fp16');
    const bf16x2 = await run('bf16', { transport: 'threads', workers: 2 });
    t.diagnostic(`accuracy fp32 ${fp32.accuracy} bf16 ${bf16.accuracy} fp16 ${fp16.accuracy} bf16 --workers 2 ${bf16x2.accuracy}`);
    for (const m of [bf16, fp16, bf16x2]) assert.ok(Math.abs(m.accuracy - fp32.accuracy) <= 0.02, `${m.mixed_precision?.precision}: ${m.accuracy} vs fp32 ${fp32.accuracy}`);
    assert.equal(fp32.mixed_precision, undefined);
    // The MLP's layer inputs per sample: the image (784), the hidden layer before and after ReLU (128 + 128).
    assert.equal(bf16.mixed_precision!.activation_bytes, 2 * 80 * (784 + 128 + 128));
    assert.equal(bf16x2.mixed_precision!.activation_bytes, 2 * 40 * (784 + 128 + 128));
    // bf16 needs no loss scaling; fp16 scales from 2^16 and skips only non-finite steps.
    assert.deepEqual([bf16.mixed_precision!.loss_scale, bf16.mixed_precision!.skipped_steps], [1, 0]);
    assert.ok(fp16.mixed_precision!.loss_scale <= 65536 && fp16.mixed_precision!.skipped_steps === Math.log2(65536 / fp16.mixed_precision!.loss_scale));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
