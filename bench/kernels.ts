// Kernel backends side by side on the shapes training uses: GEMM GFLOP/s, then whole-batch conv,
// relu and pooling passes in ms; the JS reference against WebAssembly SIMD on one thread and on
// two. Run: npx tsx bench/kernels.ts [--quick]
import { record } from './lib/report.js';
import { jsKernels, type Kernels } from '../src/tensor/kernels/index.js';
import { createWasmKernels } from '../src/tensor/kernels/wasm.js';
import { loadWasmKernels } from '../src/tensor/wasm/loader.js';

interface Shape { label: string; tA: boolean; tB: boolean; m: number; n: number; k: number }
const shapes: Shape[] = [
  { label: 'mlp fc1 fwd  x·W1ᵀ', tA: false, tB: true, m: 128, n: 128, k: 784 },
  { label: 'mlp fc1 gW   gᵀ·x', tA: true, tB: false, m: 128, n: 784, k: 128 },
  { label: 'mlp fc1 gx   g·W1', tA: false, tB: false, m: 128, n: 784, k: 128 },
  { label: 'mlp fc2 fwd  h·W2ᵀ', tA: false, tB: true, m: 128, n: 10, k: 128 },
  { label: 'mlp fc2 gW   gᵀ·h', tA: true, tB: false, m: 10, n: 128, k: 128 },
  { label: 'cnn conv1 fwd W·cols', tA: false, tB: false, m: 32, n: 784, k: 9 },
  { label: 'cnn conv2 fwd W·cols', tA: false, tB: false, m: 64, n: 196, k: 288 },
  { label: 'cnn conv2 gW  gy·colsᵀ', tA: false, tB: true, m: 64, n: 288, k: 196 },
  { label: 'cnn conv2 gcols Wᵀ·gy', tA: true, tB: false, m: 288, n: 196, k: 64 },
  { label: 'cnn fc1 fwd  x·Wᵀ', tA: false, tB: true, m: 128, n: 128, k: 3136 },
  { label: 'square 512', tA: false, tB: false, m: 512, n: 512, k: 512 },
];

const quick = process.argv.includes('--quick');
const loaded = loadWasmKernels();
if (!loaded) {
  console.log('no WebAssembly kernel module in build/: run `node scripts/build-wasm.mjs` first');
  process.exit(1);
}
const wasm1 = createWasmKernels(loaded, { threads: 1 });
const wasm2 = createWasmKernels(loaded, { threads: 2 });
const backends: Array<[string, Kernels]> = [['js', jsKernels], ['wasm 1T', wasm1], ['wasm 2T', wasm2]];

/** Best GFLOP/s over several timed rounds (the machine is shared, so the best round is the signal). */
function measure(kern: Kernels, s: Shape): number {
  const a = Float32Array.from({ length: s.m * s.k }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: s.k * s.n }, () => Math.random() - 0.5);
  const c = new Float32Array(s.m * s.n);
  const flops = 2 * s.m * s.n * s.k;
  const reps = Math.max(1, Math.round((quick ? 2e7 : 5e7) / flops / (kern === jsKernels ? 8 : 1)));
  let best = Infinity;
  for (let round = 0; round < (quick ? 3 : 15); round++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) kern.gemm(s.tA, s.tB, s.m, s.n, s.k, a, b, c, false);
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return flops / best / 1e6;
}

console.log(`WebAssembly build: ${loaded.relaxed ? 'relaxed SIMD (fused multiply-add)' : 'SIMD (mul + add)'}`);
const head = ['shape (m x n x k, transposes)', ...backends.map(([n]) => n), 'wasm1T/js', 'wasm2T/js'];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const s of shapes) {
  const g = backends.map(([, k]) => measure(k, s));
  const dims = `${s.label} ${s.m}x${s.n}x${s.k}${s.tA ? ' tA' : ''}${s.tB ? ' tB' : ''}`;
  record({ id: `gemm-${dims.replace(/[^a-z0-9]+/gi, '-')}-wasm2T-vs-js`, what: `GEMM ${dims}`, ours: g[2]!, peer: g[0]!, peerName: `${backends[0]![0]} kernels`, unit: 'MFLOP/s', better: 'higher' });
  console.log(`| ${dims} | ${g.map((v) => v.toFixed(1)).join(' | ')} | ${(g[1]! / g[0]!).toFixed(1)}x | ${(g[2]! / g[0]!).toFixed(1)}x |`);
}

// Whole-batch passes of the CNN (conv 1→32 on 28x28, conv 32→64 on 14x14, 3x3 pad 1), batch 32:
// milliseconds per call, operand copies into wasm memory included.
const N = 32;
function convCase(c: number, hw: number, o: number) {
  const g = { c, h: hw, w: hw, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, oh: hw, ow: hw };
  const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
  const x = rnd(N * c * hw * hw), w = rnd(o * c * 9), bias = rnd(o), gy = rnd(N * o * hw * hw);
  const y = new Float32Array(gy.length), gw = new Float32Array(w.length), gb = new Float32Array(o), gx = new Float32Array(x.length);
  return {
    fwd: (k: Kernels) => k.conv2dForward({ x, w, bias, g, n: N, o, y }),
    bwd: (k: Kernels) => k.conv2dBackward({ x, w, gy, g, n: N, o, gw, gb, gx: c > 1 ? gx : null }),
  };
}
const c1 = convCase(1, 28, 32);
const c2 = convCase(32, 14, 64);
const act = Float32Array.from({ length: N * 32 * 28 * 28 }, () => Math.random() - 0.5);
const actOut = new Float32Array(act.length), actG = new Float32Array(act.length);
const pooled = new Float32Array(act.length / 4), arg = new Int32Array(act.length / 4);
const poolG = { h: 28, w: 28, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, oh: 14, ow: 14 };
const passes: Array<[string, (k: Kernels) => void]> = [
  ['conv1 forward', c1.fwd],
  ['conv1 backward (gW, gb)', c1.bwd],
  ['conv2 forward', c2.fwd],
  ['conv2 backward (gW, gb, gx)', c2.bwd],
  ['relu [32,32,28,28]', (k) => k.relu(act, actOut, act.length)],
  ['relu grad [32,32,28,28]', (k) => k.reluBackward(act, act, actG, act.length)],
  ['maxpool 2x2 [32,32,28,28]', (k) => k.maxPool2d(act, poolG, N * 32, pooled, arg)],
];
function ms(kern: Kernels, f: (k: Kernels) => void): number {
  let best = Infinity;
  for (let round = 0; round < (quick ? 2 : 9); round++) {
    const t0 = performance.now();
    f(kern);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
console.log(`\nBatch passes, batch ${N} (ms per call, lower is better)`);
console.log(`| pass | ${backends.map(([n]) => n).join(' | ')} | js/wasm2T |`);
console.log(`|---|${backends.map(() => '---').join('|')}|---|`);
for (const [label, f] of passes) {
  const t = backends.map(([, k]) => ms(k, f));
  record({ id: `pass-${label.replace(/[^a-z0-9]+/gi, '-')}-wasm2T-vs-js`, what: `${label}, batch ${N}`, ours: t[2]!, peer: t[0]!, peerName: `${backends[0]![0]} kernels`, unit: 'ms' });
  console.log(`| ${label} | ${t.map((v) => v.toFixed(2)).join(' | ')} | ${(t[0]! / t[2]!).toFixed(1)}x |`);
}
console.log(`helper thread: ${JSON.stringify(wasm2.stats())}`);
await wasm2.close();
