/**
 * Training benchmark: the same MLP (784-128-10, batch 128) and CNN (src/nn/architectures.ts) on
 * fashion-mnist with Adam(1e-3), one run each, peers first: PyTorch (1 thread, and 2 labelled),
 * TF.js on its wasm backend, then ours (`lep train`). Then LSTM-64 and GRU-64 on row-sequential
 * images (28 steps of 28 pixels), one epoch against PyTorch on 1 thread. Prints s/epoch, accuracy and ratios.
 * First the seed's exact setup (issue 12): the MLP on the real MNIST at batch 32, 5 epochs, against
 * PyTorch on 1 thread (--skip-seed to leave it out).
 * Usage: npx tsx bench/train.ts [--mlp-epochs 1] [--seed-epochs 5] [--skip-seed] [--cnn-images 6400] [--skip-cnn]
 *        [--rnn-images 60000] [--rnn-hidden 64] [--skip-rnn] [--only-rnn]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { record } from './lib/report.js';

const ROOT = resolve(import.meta.dirname, '..');
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const mlpEpochs = arg('mlp-epochs', '1');
const cnnImages = arg('cnn-images', '6400');
const skipCnn = process.argv.includes('--skip-cnn');
const rnnImages = arg('rnn-images', '60000');
const rnnHidden = arg('rnn-hidden', '64');
const skipRnn = process.argv.includes('--skip-rnn');
const skipSeed = process.argv.includes('--skip-seed');
const seedEpochs = arg('seed-epochs', '5');
const onlyRnn = process.argv.includes('--only-rnn');

interface Run {
  seconds_per_epoch: number | null;
  accuracy: number | null;
  images: number;
  extrapolated: boolean;
  error?: string;
}

function run(label: string, cmd: string, args: string[], env: Record<string, string> = {}): Run {
  console.error(`… ${label}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) return { seconds_per_epoch: null, accuracy: null, images: 0, extrapolated: false, error: (r.stderr || `exit ${r.status}`).trim().split('\n').pop() ?? '' };
  return JSON.parse(line) as Run;
}

function ours(arch: string, epochs: string, limit?: string, extra: string[] = [], dataset = 'fashion-mnist', batch = '128'): Run {
  const out = mkdtempSync(join(tmpdir(), 'lep-bench-train-'));
  try {
    const args = ['--import', 'tsx', 'src/cli/main.ts', 'train', '--dataset', dataset, '--arch', arch, '--epochs', epochs, '--batch-size', batch, '--out', out, '--json'];
    if (limit) args.push('--limit-train', limit);
    args.push(...extra);
    console.error(`… lepton-ts ${arch}`);
    // One process (its GEMMs on the default kernel threads), as these rows have always measured:
    // the 2-rank data-parallel default (issue 15) is measured by bench/parallel.ts instead.
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, LEPTON_WORKERS: '1' } });
    if (r.status !== 0) return { seconds_per_epoch: null, accuracy: null, images: 0, extrapolated: false, error: r.stderr.trim().split('\n').pop() ?? '' };
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { seconds_per_epoch: number; accuracy: number; train_samples: number; kernel_backend: string };
    return { seconds_per_epoch: (m.seconds_per_epoch * 60000) / m.train_samples, accuracy: m.accuracy, images: m.train_samples, extrapolated: m.train_samples < 60000 };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const setup = spawnSync('bash', [join(ROOT, 'bench/setup.sh')], { stdio: 'inherit' });
if (setup.status !== 0) console.error('bench/setup.sh failed; peers may be missing');

const torch = (arch: string, epochs: string, threads: number, limit?: string, extra: string[] = []) =>
  run(`pytorch ${arch} ${threads}t`, '/usr/bin/python3', ['bench/train-peers/torch_train.py', '--arch', arch, '--epochs', epochs, '--threads', String(threads), ...(limit ? ['--limit-train', limit] : []), ...extra], {
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  });
const tfjs = (arch: string, epochs: string, limit?: string) =>
  run(`tfjs-wasm ${arch}`, process.execPath, ['--import', 'tsx', 'bench/train-peers/tfjs-train.ts', '--arch', arch, '--epochs', epochs, '--batch-size', '128', ...(limit ? ['--limit-train', limit] : [])]);

const rows: Array<[string, string, Run]> = [];
if (!onlyRnn && !skipSeed) {
  // The seed's exact setup (issue 12): real MNIST, 784-128-10, batch 32, Adam(1e-3), 5 epochs.
  rows.push(['seed', 'pytorch (1 thread)', torch('mlp', seedEpochs, 1, undefined, ['--dataset', 'mnist', '--batch-size', '32'])]);
  rows.push(['seed', 'lepton-ts', ours('mlp', seedEpochs, undefined, [], 'mnist', '32')]);
}
if (!onlyRnn) {
  rows.push(['mlp', 'pytorch (1 thread)', torch('mlp', mlpEpochs, 1)]);
  rows.push(['mlp', 'pytorch (2 threads)', torch('mlp', mlpEpochs, 2)]);
  rows.push(['mlp', 'tfjs-wasm', tfjs('mlp', mlpEpochs)]);
  rows.push(['mlp', 'lepton-ts', ours('mlp', mlpEpochs)]);
}
if (!skipCnn && !onlyRnn) {
  rows.push(['cnn', 'pytorch (1 thread)', torch('cnn', '1', 1, cnnImages)]);
  rows.push(['cnn', 'tfjs-wasm', tfjs('cnn', '1', cnnImages)]);
  rows.push(['cnn', 'lepton-ts', ours('cnn', '1', cnnImages)]);
}

if (!skipRnn) {
  // Row-sequential fashion-mnist: the standard recurrent benchmark, one epoch at batch 128.
  const limit = rnnImages === '60000' ? undefined : rnnImages;
  for (const cell of ['lstm', 'gru']) {
    rows.push([cell, 'pytorch (1 thread)', torch(cell, '1', 1, limit, ['--hidden', rnnHidden])]);
    rows.push([cell, 'lepton-ts', ours(cell, '1', limit, ['--hidden', rnnHidden])]);
  }
}

/** Issue 20's targets, ours ÷ PyTorch (1 thread) time per epoch at batch 128. */
const TRAIN_TARGETS: Record<string, number> = { seed: 1.2, mlp: 1.0, cnn: 1.5, lstm: 1.5, gru: 1.5 };
const fmt = (v: number | null, d = 2) => (v === null ? 'n/a' : v.toFixed(d));
console.log(`\ntraining benchmark; seed: real MNIST, MLP, batch 32, ${seedEpochs} epochs; then fashion-mnist, batch 128, Adam(1e-3); MLP ${mlpEpochs} epoch(s) on 60k images; CNN timed on ${cnnImages} images, extrapolated to 60k (accuracy after those images only); LSTM/GRU-${rnnHidden} 1 epoch on ${rnnImages} row-sequential images`);
console.log('model | runner              | s/epoch | accuracy | ours ÷ runner (time)');
console.log('------|---------------------|---------|----------|---------------------');
for (const [model, who, r] of rows) {
  const mine = rows.find(([m, w]) => m === model && w === 'lepton-ts')?.[2].seconds_per_epoch ?? null;
  const ratio = who === 'lepton-ts' || mine === null || r.seconds_per_epoch === null ? '' : `${(mine / r.seconds_per_epoch).toFixed(2)}×`;
  const note = r.error ? ` (${r.error.slice(0, 70)})` : r.extrapolated ? ' (extrapolated)' : '';
  if (ratio !== '' && mine !== null && r.seconds_per_epoch !== null) {
    const target = who === 'pytorch (1 thread)' ? TRAIN_TARGETS[model] ?? null : null;
    const what = model === 'seed' ? `seed MLP epoch, batch 32, real MNIST (${seedEpochs} epochs)` : `${model.toUpperCase()} epoch, batch 128, fashion-mnist`;
    record({ id: model === 'seed' ? `seed-mlp-b32-mnist-epoch-vs-${who.replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}` : `${model}-b128-epoch-vs-${who.replace(/[^a-z0-9]+/g, '-').replace(/-$/, '')}`, what, ours: mine, peer: r.seconds_per_epoch, peerName: who, unit: 's/epoch', target, notes: r.extrapolated ? 'extrapolated to 60k' : undefined });
  }
  console.log(`${model.padEnd(5)} | ${who.padEnd(19)} | ${fmt(r.seconds_per_epoch).padStart(7)} | ${r.accuracy === null ? '     n/a' : `${(r.accuracy * 100).toFixed(2)}%`.padStart(8)} | ${ratio}${note}`);
}
console.log('(ratio < 1 means lepton-ts is faster; the machine has 2 shared cores, so figures are noisy)');
