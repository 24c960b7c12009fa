// Attribution methods (issue 14) on an MLP and a CNN, each both as an nn Module and as its exported
// ONNX graph run on the op table: saliency against central finite differences, integrated-gradients
// completeness (|delta| ≤ 1% of |F(x) − F(baseline)| at the default 64 steps), exactness on a linear
// model, occlusion on a hand-built model whose answer is known, and the heat-map picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { Rng } from '../src/core/rng.js';
import { LeptonError } from '../src/core/errors.js';
import { Tensor, softmaxCrossEntropy } from '../src/tensor/index.js';
import { Adam, Sequential, Linear, ReLU, Conv2d, MaxPool2d, Flatten, BatchNorm2d, type Module } from '../src/nn/index.js';
import { exportOnnx } from '../src/onnx/export.js';
import {
  moduleDifferentiable, onnxDifferentiable, logits, saliency, integratedGradients, occlusion, explain, overlayPixels, heatmapPng, IG_RULES, type Differentiable,
} from '../src/explain/index.js';

/**
 * Fit briefly on a synthetic task (class = which fixed random projection of x is largest), so the
 * test models make confident decisions like real ones: at random init the logits hardly depend on
 * the input and F(x) − F(baseline) is a rounding error.
 */
function trained<T extends Module>(model: T, shape: number[], classes: number): T {
  const size = shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(99);
  const proj = Float32Array.from({ length: classes * size }, () => rng.next() - 0.5);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  model.train();
  for (let step = 0; step < 60; step++) {
    const xs = Float32Array.from({ length: 32 * size }, () => rng.next());
    const y = new Int32Array(32);
    for (let i = 0; i < 32; i++) {
      let best = -Infinity;
      for (let c = 0; c < classes; c++) {
        let d = 0;
        for (let j = 0; j < size; j++) d += proj[c * size + j]! * xs[i * size + j]!;
        if (d > best) [best, y[i]] = [d, c];
      }
    }
    const loss = softmaxCrossEntropy(model.forward(new Tensor(xs, [32, ...shape])), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  return model.eval();
}

function mlp(): { model: Module; shape: number[] } {
  const rng = new Rng(11);
  return { model: trained(new Sequential(new Linear(12, 16, { rng }), new ReLU(), new Linear(16, 8, { rng }), new ReLU(), new Linear(8, 3, { rng })), [12], 3), shape: [12] };
}

function cnn(): { model: Module; shape: number[] } {
  const rng = new Rng(12);
  const bn = new BatchNorm2d(4);
  bn.runningMean.data.set([0.1, -0.2, 0.05, 0]);
  bn.runningVar.data.set([0.5, 2, 1, 1.5]);
  const model = new Sequential(new Conv2d(1, 4, 3, { rng, padding: 1 }), bn, new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 16, { rng }), new ReLU(), new Linear(16, 5, { rng }));
  return { model: trained(model, [1, 8, 8], 5), shape: [1, 8, 8] };
}

/** Both adapters of one model. */
function both(make: () => { model: Module; shape: number[] }): Array<[string, Differentiable]> {
  const { model, shape } = make();
  const onnx = exportOnnx(model, { inputShape: shape });
  return [
    ['module', moduleDifferentiable(model, shape)],
    ['onnx', onnxDifferentiable(onnx)],
  ];
}

function input(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.next());
}

const f = (m: Differentiable, x: Float32Array, k: number) => logits(m, x, 1).data[k]!;

test('saliency equals central finite differences of the target logit (MLP and CNN, module and ONNX)', () => {
  for (const make of [mlp, cnn]) {
    for (const [kind, m] of both(make)) {
      const x = input(m.inputShape.reduce((a, b) => a * b, 1), 3);
      const r = saliency(m, x);
      const eps = 1e-3;
      const f0 = f(m, x, r.target);
      let checked = 0;
      let kinks = 0;
      for (let i = 0; i < x.length; i += Math.ceil(x.length / 24)) {
        const xp = Float32Array.from(x);
        const xm = Float32Array.from(x);
        xp[i]! += eps;
        xm[i]! -= eps;
        const [fp, fm] = [f(m, xp, r.target), f(m, xm, r.target)];
        // A ReLU or max-pool switch inside [x − ε, x + ε] makes the one-sided slopes disagree: skip it.
        if (Math.abs((fp - f0) / eps - (f0 - fm) / eps) > 1e-3 + 0.01 * Math.abs(r.signed[i]!)) {
          kinks++;
          continue;
        }
        const fd = (fp - fm) / (2 * eps);
        assert.ok(Math.abs(fd - r.signed[i]!) <= 2e-3 + 0.02 * Math.abs(fd), `${make.name}/${kind} x[${i}]: grad ${r.signed[i]} vs finite difference ${fd}`);
        assert.equal(r.absolute[i], Math.abs(r.signed[i]!));
        checked++;
      }
      assert.ok(kinks <= 2, `${kinks} kinks`);
      assert.ok(checked >= 10);
    }
  }
});

test('the ONNX adapter and the module adapter give the same saliency and IG', () => {
  for (const make of [mlp, cnn]) {
    const [[, a], [, b]] = both(make) as [[string, Differentiable], [string, Differentiable]];
    const x = input(a.inputShape.reduce((p, q) => p * q, 1), 5);
    const sa = saliency(a, x);
    const sb = saliency(b, x);
    assert.equal(sa.target, sb.target);
    sa.signed.forEach((v, i) => assert.ok(Math.abs(v - sb.signed[i]!) < 1e-5, `${make.name} grad ${i}`));
    const ia = integratedGradients(a, x, { steps: 16 });
    const ib = integratedGradients(b, x, { steps: 16 });
    ia.attributions.forEach((v, i) => assert.ok(Math.abs(v - ib.attributions[i]!) < 1e-4, `${make.name} ig ${i}`));
  }
});

test('IG completeness at 64 steps: |delta| ≤ 1% of |F(x) − F(baseline)| for zeros and blur baselines', () => {
  const report: string[] = [];
  for (const make of [mlp, cnn]) {
    for (const [kind, m] of both(make)) {
      for (const baseline of ['zeros', 'blur'] as const) {
        for (let s = 0; s < 3; s++) {
          const x = input(m.inputShape.reduce((a, b) => a * b, 1), 20 + s);
          const r = integratedGradients(m, x, { baseline });
          const gap = r.fx - r.fBaseline;
          const sum = r.attributions.reduce((a, b) => a + b, 0);
          assert.ok(Math.abs(r.delta - (sum - gap)) < 1e-4, 'delta is Σattr − (F(x) − F(baseline))');
          assert.ok(Math.abs(r.delta) <= 0.01 * Math.abs(gap), `${make.name}/${kind}/${baseline}: |delta| ${Math.abs(r.delta)} > 1% of ${Math.abs(gap)}`);
          report.push(`${make.name}/${kind}/${baseline}: ${(Math.abs(r.delta / gap) * 100).toFixed(3)}% of ${gap.toFixed(3)}`);
        }
      }
    }
  }
  assert.equal(report.length, 24);
  if (process.env['EXPLAIN_REPORT']) process.stdout.write(`# IG completeness |delta|/|F(x) − F(b)|:\n# ${report.join('\n# ')}\n`);
});

test('every integration rule converges; a linear model is integrated exactly', () => {
  const { model, shape } = mlp();
  const m = moduleDifferentiable(model, shape);
  const x = input(12, 9);
  for (const rule of IG_RULES) {
    const r = integratedGradients(m, x, { rule, steps: 256 });
    assert.ok(Math.abs(r.delta) <= 0.01 * Math.abs(r.fx - r.fBaseline), `${rule}: delta ${r.delta}`);
  }
  const lin = new Linear(5, 2, { rng: new Rng(1) });
  const ml = moduleDifferentiable(lin, [5]);
  const xl = input(5, 2);
  const r = integratedGradients(ml, xl, { steps: 1, rule: 'riemann-left', target: 1 });
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(r.attributions[i]! - lin.weight.data[5 + i]! * xl[i]!) < 1e-6);
  assert.ok(Math.abs(r.delta) < 1e-5);
  assert.throws(() => integratedGradients(ml, xl, { steps: 0 }), (e) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT');
});

test('occlusion on a hand-built model: only the watched 2×2 corner matters, by exactly its pixel sum', () => {
  // logit 0 = sum of pixels (0..1, 0..1) of a 1×4×4 image; logit 1 = 0.
  const lin = new Linear(16, 2, { bias: false });
  lin.weight.data.fill(0);
  for (const p of [0, 1, 4, 5]) lin.weight.data[p] = 1;
  const m = moduleDifferentiable(new Sequential(new Flatten(), lin), [1, 4, 4]);
  const x = Float32Array.from({ length: 16 }, (_, i) => (i + 1) / 16);
  const r = occlusion(m, x, { target: 0, window: 2, stride: 2 });
  assert.equal(r.windows, 4);
  const corner = x[0]! + x[1]! + x[4]! + x[5]!;
  for (let p = 0; p < 16; p++) {
    const expect = [0, 1, 4, 5].includes(p) ? corner : 0;
    assert.ok(Math.abs(r.attributions[p]! - expect) < 1e-6, `pixel ${p}: ${r.attributions[p]} vs ${expect}`);
  }
  // Overlapping windows (stride 1) average the drops: pixel 0 is covered by one window only.
  const o = occlusion(m, x, { target: 0, window: 2, stride: 1, baselineValue: 1 });
  assert.ok(Math.abs(o.attributions[0]! - (corner - 4)) < 1e-6);
  assert.ok(Math.abs(o.attributions[15]! - 0) < 1e-6);
});

test('explain() and the heat map: red where attribution is positive, an enlarged PNG', async () => {
  const { model, shape } = cnn();
  const m = moduleDifferentiable(model, shape);
  const x = input(64, 4);
  const e = explain(m, x, { method: 'ig', steps: 32 });
  assert.equal(typeof e.delta, 'number');
  assert.deepEqual(e.dims, [1, 8, 8]);
  const attr = new Float32Array(4);
  attr[1] = 1;
  attr[2] = -1;
  const px = overlayPixels(new Float32Array(4).fill(0.5), attr, [1, 2, 2]);
  assert.ok(px[3]! > px[5]! && px[8]! > px[6]!, 'positive → red, negative → blue');
  const png = await heatmapPng(x, e.attributions, e.dims);
  const meta = await sharp(png).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 224);
});
