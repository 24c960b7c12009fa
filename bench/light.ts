// Light architectures, two parts:
// 1. depthwise-separable blocks (depthwise 3×3 with groups = C, then pointwise 1×1) on the shapes of
//    mobilenet-mini: forward and forward+backward ms per batch, ours (wasm kernels, one thread)
//    against PyTorch on one thread (bench/light-peers/torch_light.py, Debian's /usr/bin/python3).
//    When python3-torch is missing the peer column says so and ours still runs;
// 2. inference latency in onnxruntime (one intra-op thread) of mobilenet-mini (width 1.0) against
//    our CNN, both exported by our exporter, at batch 1 and 64, with parameters and FLOPs per image.
// Run: npx tsx bench/light.ts [--tiny]. Note the load average (`uptime`) next to the figures.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { record } from './lib/report.js';
import { Rng } from '../src/core/rng.js';
import { Tensor, conv2d, noGrad, sum, kernels, registerBackend } from '../src/tensor/index.js';
import { createWasmKernels } from '../src/tensor/kernels/wasm.js';
import { loadWasmKernels } from '../src/tensor/wasm/loader.js';
import { buildModule, namedArch } from '../src/nn/index.js';
import { exportOnnx } from '../src/onnx/export.js';
import { graphCost } from '../src/onnx/flops.js';

// One kernel thread, as the PyTorch peer (torch.set_num_threads(1)).
const loaded = loadWasmKernels();
if (loaded) registerBackend(createWasmKernels(loaded, { threads: 1 }), true);

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
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log(`ours: ${kernels().name} kernels, one thread (depthwise 3×3: the wasm SIMD kernel); batch ${n}; best of ${reps}`);
if (typeof torch === 'string') console.log(`PyTorch peer unavailable: ${torch} (apt-get install python3-torch); ours only`);
console.log('| block | ours fwd ms | torch fwd ms | ours fwd+bwd ms | torch fwd+bwd ms |');
console.log('|---|---|---|---|---|');
for (const s of shapes) {
  const o = ours(s);
  const t = typeof torch === 'string' ? undefined : torch.get(s.label);
  const cell = (v: number | undefined) => (v === undefined ? 'n/a' : v.toFixed(2));
  const ratio = (a: number, b: number | undefined) => (b === undefined ? '' : ` (${(a / b).toFixed(2)}×)`);
  console.log(`| ${s.label} → ${s.o} | ${cell(o.fwd)}${ratio(o.fwd, t?.fwd_ms)} | ${cell(t?.fwd_ms)} | ${cell(o.fwdbwd)}${ratio(o.fwdbwd, t?.fwdbwd_ms)} | ${cell(t?.fwdbwd_ms)} |`);
  if (t && !tiny) {
    const id = s.label.replace(/[^a-z0-9]+/gi, '-');
    record({ id: `dwsep-fwd-${id}`, what: `depthwise-separable forward, ${s.label}, batch ${n}`, ours: o.fwd, peer: t.fwd_ms, peerName: 'pytorch 1 thread', unit: 'ms', better: 'lower' });
    record({ id: `dwsep-fwdbwd-${id}`, what: `depthwise-separable forward+backward, ${s.label}, batch ${n}`, ours: o.fwdbwd, peer: t.fwdbwd_ms, peerName: 'pytorch 1 thread', unit: 'ms', better: 'lower' });
  }
}

// Part 2: onnxruntime latency, mobilenet-mini against the CNN (untrained weights: latency only).
async function ortLatency(arch: 'cnn' | 'mobilenet-mini', batch: number): Promise<{ ms: number; params: number; mflops: number }> {
  const a = namedArch(arch, 10);
  const model = buildModule(a.model, { rng: new Rng(5) });
  model.eval();
  const bytes = exportOnnx(model, { inputShape: a.inputShape });
  const cost = graphCost(bytes);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const x = new ort.Tensor('float32', Tensor.uniform([batch, ...a.inputShape], new Rng(6), 0, 1).data, [batch, ...a.inputShape]);
    for (let i = 0; i < 3; i++) await session.run({ input: x });
    const times: number[] = [];
    const runs = tiny ? 3 : batch === 1 ? 200 : 20;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await session.run({ input: x });
      times.push(performance.now() - t0);
    }
    times.sort((p, q) => p - q);
    return { ms: times[Math.floor(times.length / 2)]!, params: cost.parameters, mflops: cost.flops / 1e6 };
  } finally {
    await session.release();
  }
}

console.log('\nonnxruntime-node, one intra-op thread, median latency per batch');
console.log('| model | params | MFLOPs/image | batch 1 ms | batch 64 ms |');
console.log('|---|---|---|---|---|');
const lat: Record<string, { b1: number; b64: number }> = {};
for (const arch of ['cnn', 'mobilenet-mini'] as const) {
  const b1 = await ortLatency(arch, 1);
  const b64 = await ortLatency(arch, 64);
  lat[arch] = { b1: b1.ms, b64: b64.ms };
  console.log(`| ${arch} | ${b1.params.toLocaleString('en-US')} | ${b1.mflops.toFixed(1)} | ${b1.ms.toFixed(3)} | ${b64.ms.toFixed(2)} |`);
}
const m = lat['mobilenet-mini']!;
const c = lat['cnn']!;
console.log(`mobilenet-mini / cnn latency: batch 1 ${(m.b1 / c.b1).toFixed(2)}×, batch 64 ${(m.b64 / c.b64).toFixed(2)}×`);
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
if (!tiny) {
  record({ id: 'ort-mobilenet-vs-cnn-b1', what: 'onnxruntime latency batch 1, mobilenet-mini vs our CNN', ours: m.b1, peer: c.b1, peerName: 'our cnn', unit: 'ms', better: 'lower' });
  record({ id: 'ort-mobilenet-vs-cnn-b64', what: 'onnxruntime latency batch 64, mobilenet-mini vs our CNN', ours: m.b64, peer: c.b64, peerName: 'our cnn', unit: 'ms', better: 'lower' });
}
