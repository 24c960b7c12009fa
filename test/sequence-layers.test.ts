// The recurrent layers (RNN tanh/relu, LSTM, GRU) and Embedding: gradients against central finite
// differences for every option (batchFirst, layers, bidirectional, dropout, initial state, no bias),
// forward values and gradients against a step-by-step reference written from PyTorch's documented
// equations with plain tensor ops, PyTorch's parameter names and shapes, and clipGradNorm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import * as T from '../src/tensor/index.js';
import { Tensor } from '../src/tensor/index.js';
import { RNN, LSTM, GRU, Embedding, LastStep, buildModule, clipGradNorm, parseLayerSpec, type RecurrentBase, type RecurrentLayerOptions } from '../src/nn/index.js';

/** Weighted sum makes every output element matter differently, so gradient mix-ups show. */
function weightedSum(y: Tensor, seed = 1): Tensor {
  const w = Tensor.from(Array.from({ length: y.size }, (_, i) => Math.sin(seed * (i + 1))), y.shape);
  return T.sum(T.mul(y, w));
}

type Kind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

function make(kind: Kind, inF: number, H: number, o: RecurrentLayerOptions): RecurrentBase {
  const rng = new Rng(11);
  if (kind === 'lstm') return new LSTM(inF, H, { ...o, rng });
  if (kind === 'gru') return new GRU(inF, H, { ...o, rng });
  return new RNN(inF, H, { ...o, rng, nonlinearity: kind === 'rnn_relu' ? 'relu' : 'tanh' });
}

const OPTIONS: Array<[string, RecurrentLayerOptions & { state?: boolean }]> = [
  ['plain', {}],
  ['batchFirst', { batchFirst: true }],
  ['2 layers', { numLayers: 2 }],
  ['bidirectional', { bidirectional: true }],
  ['2 layers bidirectional batchFirst', { numLayers: 2, bidirectional: true, batchFirst: true }],
  ['dropout between layers', { numLayers: 2, dropout: 0.3 }],
  ['initial state', { state: true, numLayers: 2, bidirectional: true }],
  ['no bias', { bias: false }],
];

for (const kind of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as const) {
  for (const [name, o] of OPTIONS) {
    test(`${kind} ${name}: BPTT gradients match finite differences`, () => {
      const [Tn, N, I, H] = [4, 2, 3, 3];
      const m = make(kind, I, H, o);
      const rng = new Rng(5);
      const x = Tensor.uniform(o.batchFirst ? [N, Tn, I] : [Tn, N, I], rng, -1, 1, true);
      const L = (o.numLayers ?? 1) * (o.bidirectional ? 2 : 1);
      const h0 = o.state ? Tensor.uniform([L, N, H], rng, -0.5, 0.5, true) : undefined;
      const c0 = o.state && kind === 'lstm' ? Tensor.uniform([L, N, H], rng, -0.5, 0.5, true) : undefined;
      const f = () => {
        m.rng = new Rng(3); // the same dropout masks on every evaluation
        const r = m.run(x, h0 ? { h: h0, ...(c0 && { c: c0 }) } : undefined);
        let loss = T.add(weightedSum(r.output, 1), weightedSum(r.h, 2));
        if (r.c) loss = T.add(loss, weightedSum(r.c, 3));
        return loss;
      };
      const inputs = [x, ...m.parameters(), ...(h0 ? [h0] : []), ...(c0 ? [c0] : [])];
      // ReLU's kink: a step of 1e-2 can cross it, so the relu cell takes a smaller one.
      const res = T.gradCheck(f, inputs, kind === 'rnn_relu' ? 1e-3 : 1e-2);
      // …whose float32 differences are noisy at ~1e-4 absolute, on gradients of order 1.
      const ok = res.maxRelErr < 2e-2 || (kind === 'rnn_relu' && res.maxAbsErr < 1e-3);
      assert.ok(ok, `rel err ${res.maxRelErr} (abs ${res.maxAbsErr})`);
      if (o.dropout) {
        // The check above is only meaningful if dropout really dropped something.
        m.rng = new Rng(3);
        const withDrop = m.run(x).output.toArray();
        m.eval();
        assert.notDeepEqual(withDrop, m.run(x).output.toArray());
      }
    });
  }
}

/** One step of PyTorch's documented cell equations, with unfused tensor ops. */
function referenceRun(kind: Kind, m: RecurrentBase, x: Tensor, h0: Tensor, c0: Tensor): { y: Tensor[]; h: Tensor; c: Tensor } {
  const [Tn, N, I] = x.shape as [number, number, number];
  const H = m.hiddenSize;
  const [w, r, bw, br] = ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'].map((n) => m.param(n)) as [Tensor, Tensor, Tensor, Tensor];
  const gate = (t: Tensor, k: number) => T.narrow(t, 1, k * H, H);
  let h = h0;
  let c = c0;
  const y: Tensor[] = [];
  for (let t = 0; t < Tn; t++) {
    const xt = T.reshape(T.narrow(x, 0, t, 1), [N, I]);
    const gi = T.linear(xt, w, bw);
    const gh = T.linear(h, r, br);
    if (kind === 'lstm') {
      const a = T.add(gi, gh);
      const [i, f, g, o] = [T.sigmoid(gate(a, 0)), T.sigmoid(gate(a, 1)), T.tanh(gate(a, 2)), T.sigmoid(gate(a, 3))];
      c = T.add(T.mul(f, c), T.mul(i, g));
      h = T.mul(o, T.tanh(c));
    } else if (kind === 'gru') {
      const rg = T.sigmoid(T.add(gate(gi, 0), gate(gh, 0)));
      const z = T.sigmoid(T.add(gate(gi, 1), gate(gh, 1)));
      const n = T.tanh(T.add(gate(gi, 2), T.mul(rg, gate(gh, 2))));
      h = T.add(T.mul(T.sub(Tensor.scalar(1), z), n), T.mul(z, h));
    } else {
      const a = T.add(gi, gh);
      h = kind === 'rnn_tanh' ? T.tanh(a) : T.relu(a);
    }
    y.push(h);
  }
  return { y, h, c };
}

for (const kind of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'] as const) {
  test(`${kind}: forward and gradients equal PyTorch's cell equations step by step`, () => {
    const [Tn, N, I, H] = [5, 3, 4, 6];
    const m = make(kind, I, H, {});
    const rng = new Rng(8);
    const x = Tensor.uniform([Tn, N, I], rng, -1, 1, true);
    const h0 = Tensor.uniform([1, N, H], rng, -1, 1, true);
    const c0 = Tensor.uniform([1, N, H], rng, -1, 1, true);
    const grads = (loss: Tensor) => {
      for (const p of [x, h0, c0, ...m.parameters()]) p.grad = null;
      loss.backward();
      return [x, h0, c0, ...m.parameters()].map((p) => Array.from(p.grad ?? new Float32Array(p.size)));
    };
    const ours = m.run(x, { h: h0, ...(kind === 'lstm' && { c: c0 }) });
    const oursLoss = T.add(weightedSum(ours.output), weightedSum(ours.c ?? ours.h, 4));
    const gOurs = grads(oursLoss);
    const ref = referenceRun(kind, m, x, T.reshape(h0, [N, H]), T.reshape(c0, [N, H]));
    const refOut = T.concat0(ref.y.map((t) => T.reshape(t, [1, N, H])));
    const refLoss = T.add(weightedSum(refOut), weightedSum(kind === 'lstm' ? ref.c : ref.h, 4));
    assert.ok(Math.abs(oursLoss.item() - refLoss.item()) < 1e-4);
    refOut.data.forEach((v, i) => assert.ok(Math.abs(v - ours.output.data[i]!) < 1e-5, `output ${i}`));
    const gRef = grads(refLoss);
    gRef.forEach((g, k) => g.forEach((v, i) => assert.ok(Math.abs(v - gOurs[k]![i]!) < 1e-4, `grad of input ${k} [${i}]: ${gOurs[k]![i]} vs ${v}`)));
  });
}

test('parameters carry PyTorch names, shapes and init range', () => {
  const m = new LSTM(5, 8, { numLayers: 2, bidirectional: true });
  const names = m.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`);
  assert.deepEqual(names.slice(0, 8), [
    'weight_ih_l0:32x5', 'weight_hh_l0:32x8', 'bias_ih_l0:32', 'bias_hh_l0:32',
    'weight_ih_l0_reverse:32x5', 'weight_hh_l0_reverse:32x8', 'bias_ih_l0_reverse:32', 'bias_hh_l0_reverse:32',
  ]);
  assert.equal(names[8], 'weight_ih_l1:32x16');
  const bound = 1 / Math.sqrt(8);
  for (const p of m.parameters()) assert.ok(p.data.every((v) => Math.abs(v) <= bound));
  assert.equal(new GRU(5, 8).param('weight_ih_l0').shape[0], 24);
  // A spec round-trips through the registry and rebuilds the same parameter layout.
  const again = buildModule(parseLayerSpec(m.spec()));
  assert.deepEqual(again.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`), names);
});

test('bad shapes and options are INVALID_ARGUMENT', () => {
  assert.throws(() => new LSTM(3, 0), /hiddenSize/);
  assert.throws(() => new GRU(3, 4, { dropout: 1 }), /dropout/);
  assert.throws(() => new LSTM(3, 4).run(Tensor.zeros([2, 2, 5])), /expects input/);
  assert.throws(() => new LSTM(3, 4).run(Tensor.zeros([2, 2, 3]), { h: Tensor.zeros([2, 2, 4]) }), /h0 must be/);
  assert.throws(() => parseLayerSpec({ type: 'rnn', inputSize: 2, hiddenSize: 2, nonlinearity: 'gelu' }), /tanh/);
});

test('LastStep picks the final output (batch-first and time-major)', () => {
  const x = Tensor.from(Array.from({ length: 12 }, (_, i) => i), [2, 3, 2]);
  assert.deepEqual(new LastStep(true).forward(x).toArray(), [4, 5, 10, 11]);
  assert.deepEqual(new LastStep(false).forward(x).toArray(), [6, 7, 8, 9, 10, 11]);
});

test('Embedding: lookup, gradient checked, the padding row gets no gradient', () => {
  const e = new Embedding(6, 3, { paddingIdx: 0, rng: new Rng(2) });
  assert.deepEqual(Array.from(e.weight.data.subarray(0, 3)), [0, 0, 0]);
  const idx = Tensor.from([1, 0, 5, 1, 2, 0], [2, 3]);
  const y = e.forward(idx);
  assert.deepEqual(y.shape, [2, 3, 3]);
  assert.deepEqual(Array.from(y.data.subarray(6, 9)), Array.from(e.weight.data.subarray(15, 18)));
  e.weight.grad = null;
  weightedSum(e.forward(idx)).backward();
  assert.deepEqual(Array.from(e.weight.grad!.subarray(0, 3)), [0, 0, 0]);
  assert.ok(e.weight.grad!.subarray(3).some((v) => v !== 0));
  const free = new Embedding(6, 3, { rng: new Rng(2) });
  const r2 = T.gradCheck(() => weightedSum(free.forward(idx)), [free.weight]);
  assert.ok(r2.maxRelErr < 1e-2, `rel err ${r2.maxRelErr}`);
  assert.throws(() => e.forward(Tensor.from([6], [1])), /out of range/);
});

test('clipGradNorm scales all gradients by one factor down to the max norm', () => {
  const a = Tensor.from([0, 0], [2], true);
  const b = Tensor.from([0], [1], true);
  a.grad = Float32Array.from([3, 0]);
  b.grad = Float32Array.from([4]);
  assert.equal(clipGradNorm([a, b], 1), 5);
  assert.ok(Math.abs(a.grad[0]! - 0.6) < 1e-5 && Math.abs(b.grad[0]! - 0.8) < 1e-5);
  assert.ok(Math.abs(clipGradNorm([a, b], 10) - 1) < 1e-5); // below the max: unchanged
  assert.ok(Math.abs(a.grad[0]! - 0.6) < 1e-5);
  assert.throws(() => clipGradNorm([a], 0), /maxNorm/);
});
