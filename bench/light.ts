// Depthwise-separable blocks (depthwise 3×3 with groups = C, then pointwise 1×1) on the shapes of
// mobilenet-mini: forward and forward+backward ms per batch, ours against PyTorch on one thread
// (bench/light-peers/torch_light.py, Debian's /usr/bin/python3). When python3-torch is missing the
// peer column says so and ours still runs. Run: npx tsx bench/light.ts [--tiny]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { record } from './lib/report.js';
import { Rng } from '../src/core/rng.js';
import { Tensor, conv2d, noGrad, sum, kernels } from '../src/tensor/index.js';

interface Shape { label: string; n: number; c: number; h: number; o: number; stride: number }

const tiny = process.argv.includes('--tiny');
const n = tiny ? 4 : 64;
// mobilenet-mini width 1.0: the expanded widths of its stages at their resolutions.
const shapes: Shape[] = [
  { label: 'stage 1: 16 ch 28×28', n, c: 16, h: 28, o: 16, stride: 1 },
  { label: 'stage 2 in: 96 ch 28×28 s2', n, c: 96, h: 28, o: 24, stride: 2 },
  { label: 'stage 3: 192 ch 7×7', n, c: 192, h: 7, o: 32, stride: 1 },
  { label: 'stage 4: 384 ch 7×7', n, c: 384, h: 7, o: 64, stride: 1 },
];
const reps = tiny ? 2 : 10;

function ours(s: Shape): { fwd: number; fwdbwd: number } {
  const rng = new Rng(1);
  const dw = Tensor.randn([s.c, 1, 3, 3], rng, 0.3, 0, true);
  const pw = Tensor.randn([s.o, s.c, 1, 1], rng, 0.1, 0, true);
  const x = Tensor.uniform([s.n, s.c, s.h, s.h], rng, 0, 1, true);
  const block = () => conv2d(conv2d(x, dw, null, { stride: s.stride, padding: 1, groups: s.c }), pw, null);
  let fwd = Infinity;
  let fwdbwd = Infinity;
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    noGrad(block);
    fwd = Math.min(fwd, performance.now() - t0);
    t0 = performance.now();
    sum(block()).backward();
    fwdbwd = Math.min(fwdbwd, performance.now() - t0);
    for (const t of [x, dw, pw]) t.grad = null;
  }
  return { fwd, fwdbwd };
}

function peer(): Map<string, { fwd_ms: number; fwdbwd_ms: number }> | string {
  const script = join(import.meta.dirname, 'light-peers', 'torch_light.py');
  const r = spawnSync('/usr/bin/python3', [script, JSON.stringify(shapes), String(reps)], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `pytorch peer failed to run: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`;
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { label?: string; error?: string; fwd_ms: number; fwdbwd_ms: number });
  if (lines[0]?.error) return lines[0].error;
  return new Map(lines.map((l) => [l.label!, l]));
}

const torch = peer();
console.log(`ours: ${kernels().name} kernels (depthwise: direct loop, one thread); batch ${n}; best of ${reps}`);
if (typeof torch === 'string') console.log(`PyTorch peer unavailable: ${torch} (apt-get install python3-torch); ours only`);
console.log('| block | ours fwd ms | torch fwd ms | ours fwd+bwd ms | torch fwd+bwd ms |');
console.log('|---|---|---|---|---|');
for (const s of shapes) {
  const o = ours(s);
  const t = typeof torch === 'string' ? undefined : torch.get(s.label);
  const cell = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(2));
  console.log(`| ${s.label} → ${s.o} | ${cell(o.fwd)} | ${cell(t?.fwd_ms)} | ${cell(o.fwdbwd)} | ${cell(t?.fwdbwd_ms)} |`);
  if (t && !tiny) {
    const id = s.label.replace(/[^a-z0-9]+/gi, '-');
    record({ id: `dwsep-fwd-${id}`, what: `depthwise-separable forward, ${s.label}, batch ${n}`, ours: o.fwd, peer: t.fwd_ms, peerName: 'pytorch 1 thread', unit: 'ms', better: 'lower' });
    record({ id: `dwsep-fwdbwd-${id}`, what: `depthwise-separable forward+backward, ${s.label}, batch ${n}`, ours: o.fwdbwd, peer: t.fwdbwd_ms, peerName: 'pytorch 1 thread', unit: 'ms', better: 'lower' });
  }
}
