/**
 * Data-parallel benchmark. (1) One CNN epoch on fashion-mnist at global batch 128, side by side:
 * one process with 1 kernel thread, one process with 2 kernel threads (the default until 2 ranks
 * became it), --workers 2 (threads transport; what plain `lep train` now runs when 2 cores are
 * free), two tcp processes on loopback, PyTorch on 1 and 2 threads. Every row names its setup
 * explicitly (--workers 1 --kernel-threads N, --workers 2), so no row depends on the default. (2) All-reduce of 1, 16 and 64 MB between two
 * ranks on each transport. (3) A paper estimate of 8 and 64 nodes from the measured all-reduce cost,
 * with the ring model T(N, S) = 2(N−1)·α + 2(N−1)/N · S/B. (4) fp32 against bf16 and fp16: time, stored
 * activations, peak RSS, each precision in its own process. Prints tables and the ratios.
 * Usage: npx tsx bench/parallel.ts [--images 60000] [--sizes-mb 1,16,64] [--reps 5] [--skip-torch]
 * A quick check: --images 256 --sizes-mb 1 --reps 2 (numbers meaningless, every path exercised).
 */
import { record } from './lib/report.js';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchThreads } from '../src/parallel/index.js';
import { freePort } from '../src/parallel/testing.js';

const ROOT = resolve(import.meta.dirname, '..');
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const images = Number(arg('images', '60000'));
const sizesMb = arg('sizes-mb', '1,16,64').split(',').map(Number);
const reps = Number(arg('reps', '5'));
const skipTorch = process.argv.includes('--skip-torch');
/** Gradient of the CNN (src/nn/architectures.ts): 421,642 float32 values. */
const CNN_GRAD_MB = (421_642 * 4) / 2 ** 20;

interface Epoch {
  label: string;
  seconds: number | null;
  accuracy: number | null;
  error?: string;
}

function trainArgs(out: string, extra: string[]): string[] {
  return ['--import', 'tsx', 'src/cli/main.ts', 'train', '--dataset', 'fashion-mnist', '--arch', 'cnn', '--epochs', '1', '--batch-size', '128', '--limit-train', String(images), '--limit-test', '1000', '--out', out, '--json', ...extra];
}

/** Seconds per 60k-image epoch from metrics.json (scaled when --images is smaller). */
function readEpoch(label: string, out: string): Epoch {
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { seconds_per_epoch: number; accuracy: number; train_samples: number };
  return { label, seconds: (m.seconds_per_epoch * 60000) / m.train_samples, accuracy: m.accuracy };
}

function ours(label: string, extra: string[]): Epoch {
  const out = mkdtempSync(join(tmpdir(), 'lep-bench-par-'));
  try {
    console.error(`… ${label}`);
    const r = spawnSync(process.execPath, trainArgs(out, extra), { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) return { label, seconds: null, accuracy: null, error: r.stderr.trim().split('\n').pop() ?? '' };
    return readEpoch(label, out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function waitChild(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const c = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

async function oursTcp(): Promise<Epoch> {
  const label = 'lepton-ts, 2 tcp processes';
  const out = mkdtempSync(join(tmpdir(), 'lep-bench-par-'));
  try {
    console.error(`… ${label}`);
    const port = await freePort();
    const env = { ...process.env, LEPTON_DIST_SECRET: randomBytes(24).toString('hex') };
    const rs = await Promise.all(
      [0, 1].map((rank) => waitChild(trainArgs(join(out, String(rank)), ['--nnodes', '2', '--node-rank', String(rank), '--master', `127.0.0.1:${port}`]), env)),
    );
    const bad = rs.find((r) => r.code !== 0);
    if (bad) return { label, seconds: null, accuracy: null, error: bad.stderr.trim().split('\n').pop() ?? '' };
    return readEpoch(label, join(out, '0'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function torch(threads: number): Epoch {
  const label = `pytorch (${threads} thread${threads > 1 ? 's' : ''})`;
  console.error(`… ${label}`);
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const r = spawnSync('/usr/bin/python3', ['bench/train-peers/torch_train.py', '--arch', 'cnn', '--epochs', '1', '--threads', String(threads), '--limit-train', String(images)], { cwd: ROOT, encoding: 'utf8', env });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) return { label, seconds: null, accuracy: null, error: (r.stderr || `exit ${r.status}`).trim().split('\n').pop() ?? '' };
  const j = JSON.parse(line) as { seconds_per_epoch: number; accuracy: number };
  return { label, seconds: j.seconds_per_epoch, accuracy: j.accuracy };
}

type Timing = Array<{ mb: number; seconds: number }>;

async function allReduceThreads(): Promise<Timing> {
  console.error('… all-reduce, threads');
  const res = await launchThreads<{ sizesMb: number[]; reps: number }, Timing>({
    worldSize: 2,
    entry: new URL('./parallel-peers/allreduce-thread.ts', import.meta.url),
    data: { sizesMb, reps },
    capacity: (Math.max(...sizesMb) * 2 ** 20) / 4,
  });
  return res[0]!;
}

async function allReduceTcp(): Promise<Timing> {
  console.error('… all-reduce, tcp');
  const port = await freePort();
  const env = { ...process.env, LEPTON_DIST_SECRET: randomBytes(24).toString('hex') };
  const file = join(ROOT, 'bench/parallel-peers/allreduce-tcp.ts');
  const rs = await Promise.all([0, 1].map((rank) => waitChild(['--import', 'tsx', file, String(rank), '2', String(port), sizesMb.join(','), String(reps)], env)));
  const bad = rs.find((r) => r.code !== 0);
  if (bad) throw new Error(`tcp all-reduce failed: ${bad.stderr}`);
  return JSON.parse(rs[0]!.stdout.trim().split('\n').pop()!) as Timing;
}

/** Least-squares line t = a + b·S over the measured sizes (S in MB): at N = 2, a = 2α and b = 1/B. */
function fit(t: Timing): { alpha: number; bandwidth: number } {
  if (t.length < 2) return { alpha: t[0]!.seconds / 4, bandwidth: (t[0]!.mb * 2 ** 20) / t[0]!.seconds / 2 };
  const n = t.length;
  const mx = t.reduce((s, p) => s + p.mb, 0) / n;
  const my = t.reduce((s, p) => s + p.seconds, 0) / n;
  const b = t.reduce((s, p) => s + (p.mb - mx) * (p.seconds - my), 0) / t.reduce((s, p) => s + (p.mb - mx) ** 2, 0);
  const a = Math.max(my - b * mx, 1e-6);
  return { alpha: a / 2, bandwidth: 2 ** 20 / b };
}

const ring = (N: number, bytes: number, alpha: number, B: number): number => 2 * (N - 1) * alpha + ((2 * (N - 1)) / N) * (bytes / B);

const fmt = (v: number | null, d = 1): string => (v === null ? 'n/a' : v.toFixed(d));

const setup = spawnSync('bash', [join(ROOT, 'bench/setup.sh')], { stdio: 'inherit' });
if (setup.status !== 0) console.error('bench/setup.sh failed; peers may be missing');

const epochs: Epoch[] = [
  ours('lepton-ts, 1 process, 1 kernel thread', ['--workers', '1', '--kernel-threads', '1']),
  ours('lepton-ts, 1 process, 2 kernel threads (the old default)', ['--workers', '1', '--kernel-threads', '2']),
  ours('lepton-ts, --workers 2, threads transport (the default on 2 free cores)', ['--workers', '2']),
  await oursTcp(),
  ...(skipTorch ? [] : [torch(1), torch(2)]),
];
const one = epochs[0]!.seconds;
const twoKernel = epochs[1]!.seconds;
const ratio = (a: number | null, b: number | null): string => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');
console.log(`\nCNN, fashion-mnist, global batch 128, ${images} images (seconds scaled to a 60k-image epoch; load average ${loadavg()[0]!.toFixed(2)})`);
console.log('| run | s/epoch | speed-up vs 1 process, 1 kernel thread | vs 1 process, 2 kernel threads | test acc (1000) |');
console.log('|---|---:|---:|---:|---:|');
for (const e of epochs) {
  console.log(`| ${e.label} | ${fmt(e.seconds)} | ${ratio(one, e.seconds)} | ${ratio(twoKernel, e.seconds)} | ${e.accuracy === null ? (e.error ?? 'n/a') : e.accuracy.toFixed(4)} |`);
}
const w2 = epochs[2]!.seconds;
if (w2 && one) record({ id: 'cnn-workers2-speedup', what: `CNN epoch, --workers 2 vs 1 process with 1 kernel thread, global batch 128`, ours: w2, peer: one, peerName: 'lepton-ts, 1 process, 1 kernel thread', ratio: one / w2, unit: 's/epoch', better: 'higher', target: 1.6, notes: 'ratio is the speed-up (peer ÷ ours)' });
if (w2 && one) console.log(`speed-up of --workers 2: ${ratio(one, w2)} over 1 process with 1 kernel thread (target ≥ 1.6×), ${ratio(twoKernel, w2)} over 1 process with 2 kernel threads`);

const threads = await allReduceThreads();
const tcp = await allReduceTcp();
console.log('\nAll-reduce (mean) between 2 ranks: median time and bandwidth S/t (at N = 2 the bus bandwidth 2(N−1)/N·S/t is the same)');
console.log('| transport | size | time (ms) | GB/s |');
console.log('|---|---:|---:|---:|');
for (const [name, t] of [['threads', threads], ['tcp (loopback)', tcp]] as const) {
  for (const p of t) {
    const bytes = p.mb * 2 ** 20;
    console.log(`| ${name} | ${p.mb} MB | ${(p.seconds * 1000).toFixed(2)} | ${(bytes / p.seconds / 1e9).toFixed(2)} |`);
  }
}

console.log(`\nMixed precision, CNN, one process, ${images} images (each run in its own process: its own peak RSS)`);
console.log('| precision | s/epoch | vs fp32 | activations kept per 128-image batch (MB) | peak RSS (MB) | test acc (1000) |');
console.log('|---|---:|---:|---:|---:|---:|');
const precisionRuns = ['fp32', 'bf16', 'fp16'].map((p) => {
  console.error(`… precision ${p}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/parallel-peers/precision-run.ts', p, String(images)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return r.status === 0 && line.startsWith('{') ? (JSON.parse(line) as { precision: string; seconds_per_epoch: number; accuracy: number; activation_mb_per_batch: number; peak_rss_mb: number }) : null;
});
for (const r of precisionRuns) {
  if (!r) continue;
  const vs = precisionRuns[0] ? `${(r.seconds_per_epoch / precisionRuns[0].seconds_per_epoch).toFixed(2)}×` : 'n/a';
  console.log(`| ${r.precision} | ${r.seconds_per_epoch.toFixed(1)} | ${vs} | ${r.activation_mb_per_batch.toFixed(1)} | ${r.peak_rss_mb.toFixed(0)} | ${r.accuracy.toFixed(4)} |`);
}

const { alpha, bandwidth } = fit(tcp);
const stepCompute = twoKernel ? (twoKernel / 60000) * 128 : null;
console.log(`\nScaling estimate (paper): ring all-reduce T(N, S) = 2(N−1)·α + 2(N−1)/N · S/B, S = the CNN's gradient, ${CNN_GRAD_MB.toFixed(2)} MB.`);
console.log(`Measured on tcp loopback (fit over ${tcp.map((p) => `${p.mb} MB`).join(', ')} at N = 2): α = ${(alpha * 1e6).toFixed(0)} µs, B = ${(bandwidth / 1e9).toFixed(2)} GB/s.`);
console.log(`Compute per step per node at 128 images (1 process, measured): ${stepCompute === null ? 'n/a' : `${(stepCompute * 1000).toFixed(0)} ms`}; each node keeps 128 images per step (weak scaling), no overlap.`);
console.log('| network | N | T_allreduce (ms) | step (ms) | efficiency |');
console.log('|---|---:|---:|---:|---:|');
const nets: Array<[string, number, number]> = [
  ['measured loopback', alpha, bandwidth],
  ['10 GbE (B = 1.25 GB/s, α = 50 µs)', 50e-6, 1.25e9],
  ['1 GbE (B = 0.125 GB/s, α = 100 µs)', 100e-6, 0.125e9],
];
for (const [net, a, B] of nets) {
  for (const N of [2, 8, 64]) {
    const t = ring(N, CNN_GRAD_MB * 2 ** 20, a, B);
    const step = stepCompute === null ? null : stepCompute + t;
    console.log(`| ${net} | ${N} | ${(t * 1000).toFixed(2)} | ${step === null ? 'n/a' : (step * 1000).toFixed(0)} | ${step === null ? 'n/a' : `${((stepCompute! / step) * 100).toFixed(0)}%`} |`);
  }
}
