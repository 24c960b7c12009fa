/**
 * Validation runs for the recurrent classifiers' training defaults (issue 13): row-sequential
 * fashion-mnist, trained on the first 50,000 training images and scored on the last 10,000 (never
 * the test set), so a default (the LSTM forget-gate bias, the weight average) is chosen without
 * looking at test accuracy. Mirrors `lep train` (namedArch, Rng(seed) for the weights, Rng(seed+1)
 * for the shuffle, Adam, batch 128, fit); one run reports both the last weights and the weight
 * average (decay 0.999 with warm-up, updated after every step as fit does).
 * Usage: npx tsx bench/seq-val.ts --arch lstm --hidden 64 --epochs 1 --seeds 0,1,2 [--forget-bias 1] [--schedule cosine] [--lr 0.001]
 */
import { Rng } from '../src/core/rng.js';
import { batches, loadDataset, numBatches, subset } from '../src/data/index.js';
import { Adam, CosineAnnealingLR, WeightEma, buildModule, evaluate, fit, namedArch } from '../src/nn/index.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const archName = arg('arch', 'lstm');
const hidden = Number(arg('hidden', '64'));
const epochs = Number(arg('epochs', '1'));
const seeds = arg('seeds', '0,1,2').split(',').map(Number);
const forgetBias = process.argv.includes('--forget-bias') ? Number(arg('forget-bias', '1')) : undefined;
const nTrain = Number(arg('train', '50000'));
const schedule = arg('schedule', 'none');
const lr = Number(arg('lr', '0.001'));

const full = loadDataset('fashion-mnist').train;
const train = subset(full, Array.from({ length: nTrain }, (_, i) => i));
const val = subset(full, Array.from({ length: full.n - nTrain }, (_, i) => nTrain + i));
for (const seed of seeds) {
  // Without --forget-bias: PyTorch's init (null), not lep train's default.
  const arch = namedArch(archName, 10, { hidden, ...(archName === 'lstm' && { forgetBias: forgetBias ?? null }) });
  const model = buildModule(arch.model, { rng: new Rng(seed) });
  const optimizer = new Adam(model.parameters(), { lr });
  const scheduler = schedule === 'cosine' ? new CosineAnnealingLR(optimizer, epochs) : undefined;
  const ema = new WeightEma(model, 0.999);
  const shuffle = new Rng(seed + 1);
  const t0 = performance.now();
  const r = fit(model, {
    epochs,
    train: () => batches(train, 128, { rng: shuffle, reuseBuffers: true }),
    batchesPerEpoch: numBatches(train.n, 128),
    test: () => batches(val, 1000, { shuffle: false, reuseBuffers: true }),
    inputShape: arch.inputShape,
    optimizer,
    ...(scheduler && { scheduler }),
    hooks: { afterStep: () => ema.update() },
  });
  ema.swapIn();
  const avg = evaluate(model, batches(val, 1000, { shuffle: false, reuseBuffers: true }), arch.inputShape);
  const raw = r.history.at(-1)!.testAccuracy!;
  console.log(JSON.stringify({ arch: archName, hidden, epochs, seed, forgetBias: forgetBias ?? null, schedule, lr, val_last: raw, val_ema: avg.accuracy, seconds: (performance.now() - t0) / 1000 }));
}
