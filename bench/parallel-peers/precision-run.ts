/**
 * bench/parallel.ts: one CNN training run at a given precision in its own process, so its peak RSS
 * (VmHWM) is its own. Usage: precision-run.ts fp32|bf16|fp16 IMAGES; prints one JSON line.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runParallelTrainJob } from '../../src/cli/train-parallel.js';
import { Rng } from '../../src/core/rng.js';
import { buildModule, namedArch } from '../../src/nn/index.js';
import { HalfActivationModel, isPrecision } from '../../src/parallel/index.js';
import { Tensor } from '../../src/tensor/index.js';

/** Bytes of the tensors a training forward of one 128-image batch leaves for backward (weights excluded). */
function activationBytes(precision: 'fp32' | 'bf16' | 'fp16'): number {
  const model = buildModule(namedArch('cnn', 10).model, { rng: new Rng(0) });
  const x = Tensor.uniform([128, 1, 28, 28], new Rng(1), 0, 1);
  if (precision !== 'fp32') {
    const half = new HalfActivationModel(model, precision, () => model.stateDict());
    const out = half.forward(x);
    return half.lastActivationBytes + out.data.byteLength;
  }
  const params = new Set(model.parameters());
  const seen = new Set<Tensor>();
  const stack = [model.forward(x)];
  let bytes = 0;
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t) || params.has(t)) continue;
    seen.add(t);
    bytes += t.data.byteLength;
    stack.push(...t.parents);
  }
  return bytes;
}

const [precision, images] = [process.argv[2], Number(process.argv[3])];
if (!isPrecision(precision)) throw new Error(`precision ${precision}`);
const out = mkdtempSync(join(tmpdir(), 'lep-bench-prec-'));
try {
  const r = await runParallelTrainJob({ dataset: 'fashion-mnist', arch: 'cnn', epochs: 1, batchSize: 128, limitTrain: images, limitTest: 1000, outDir: out, parallel: { transport: 'single' }, precision });
  const m = r.metrics!;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stdout.write(
    JSON.stringify({
      precision,
      seconds_per_epoch: (m.seconds_per_epoch * 60000) / m.train_samples,
      accuracy: m.accuracy,
      // What one 128-image batch keeps for backward: the fp32 graph's tensors, or the 16-bit layer inputs.
      activation_mb_per_batch: activationBytes(precision) / 2 ** 20,
      peak_rss_mb: hwm ? Number(hwm[1]) / 1024 : null,
    }) + '\n',
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
