/**
 * MLP training-step micro-benchmark (issue 20, target 1): the seed's 784-128-10 MLP through `fit`
 * with Adam(1e-3) and the weight average, on synthetic MNIST-shaped batches, so it needs no data
 * set and profiles the step alone (`node --cpu-prof --import tsx bench/mlp-step.ts`).
 * Prints ms/step, images/s and bytes allocated per step (positive deltas of process.memoryUsage()
 * sampled every 50 steps: JS heap and ArrayBuffer backing stores).
 * Usage: npx tsx bench/mlp-step.ts [--batch 32] [--steps 2000] [--no-ema] [--json]
 */
import { Rng } from '../src/core/rng.js';
import { Adam, Linear, ReLU, Sequential, fit, type Batch } from '../src/nn/index.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const batch = Number(arg('batch', '32'));
const steps = Number(arg('steps', '2000'));
const ema = process.argv.includes('--no-ema') ? undefined : 0.999;

const rng = new Rng(1);
const pool = 64; // distinct synthetic batches, cycled
const batches: Batch[] = [];
for (let b = 0; b < pool; b++) {
  const x = new Float32Array(batch * 784);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(0, 1) < 0.8 ? 0 : rng.uniform(0, 1);
  const y = new Int32Array(batch);
  for (let i = 0; i < batch; i++) y[i] = Math.floor(rng.uniform(0, 10));
  batches.push({ x, y, size: batch });
}
const model = new Sequential(new Linear(784, 128, { rng }), new ReLU(), new Linear(128, 10, { rng }));
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
function* epochOf(n: number): Iterable<Batch> {
  for (let s = 0; s < n; s++) yield batches[s % pool]!;
}
// Warm-up (JIT, wasm memory growth), then the timed run.
fit(model, { epochs: 1, train: () => epochOf(200), inputShape: [784], optimizer, ema });
const gc0 = process.memoryUsage();
let allocated = 0;
let last = process.memoryUsage().heapUsed;
const t0 = performance.now();
// Allocation: sum of positive heapUsed deltas sampled every 50 steps (a collection between samples
// shows as a drop, which is skipped, so this undercounts slightly; ArrayBuffer backing stores are
// counted through `arrayBuffers`).
let ab = process.memoryUsage().arrayBuffers;
let abAllocated = 0;
let done = 0;
while (done < steps) {
  const n = Math.min(50, steps - done);
  fit(model, { epochs: 1, train: () => epochOf(n), inputShape: [784], optimizer, ema });
  done += n;
  const m = process.memoryUsage();
  if (m.heapUsed > last) allocated += m.heapUsed - last;
  if (m.arrayBuffers > ab) abAllocated += m.arrayBuffers - ab;
  last = m.heapUsed;
  ab = m.arrayBuffers;
}
const ms = (performance.now() - t0) / steps;
const out = { batch, steps, ms_per_step: +ms.toFixed(4), images_per_s: Math.round((batch * 1000) / ms), heap_bytes_per_step: Math.round(allocated / steps), arraybuffer_bytes_per_step: Math.round(abAllocated / steps), rss_mb: Math.round(gc0.rss / 2 ** 20) };
console.log(JSON.stringify(out));
