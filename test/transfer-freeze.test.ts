// Transfer learning in the library (issue 14): freeze()/unfreeze() leave frozen weights
// bit-identical and frozen batch-norm statistics unmoved while the rest trains; optimizer parameter
// groups apply their own lr (and schedules keep the ratio); replaceHead is fresh and seeded; the
// freeze pattern of `lep train --freeze` selects layers and rejects bad patterns clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { LeptonError } from '../src/core/errors.js';
import { Tensor, softmaxCrossEntropy } from '../src/tensor/index.js';
import { Adam, SGD, StepLR, Sequential, Conv2d, BatchNorm2d, ReLU, Flatten, Linear, type Module } from '../src/nn/index.js';
import { freezeTargets, setupTransfer, filterClasses, parseIndexList } from '../src/cli/train-transfer.js';

function cnn(seed = 0): Sequential {
  const rng = new Rng(seed);
  return new Sequential(new Conv2d(1, 3, 3, { rng, padding: 1 }), new BatchNorm2d(3), new ReLU(), new Flatten(), new Linear(3 * 6 * 6, 4, { rng }));
}

function trainSteps(model: Module, steps: number, opt = new Adam(model.parameters(), { lr: 0.05 })): void {
  const rng = new Rng(7);
  model.train();
  for (let s = 0; s < steps; s++) {
    const x = Tensor.randn([8, 1, 6, 6], rng);
    const y = Int32Array.from({ length: 8 }, (_, i) => (i + s) % 4);
    const loss = softmaxCrossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
}

const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const isInvalidArg = (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT';

test('frozen conv and batch norm stay bit-identical (weights and running stats) while the head trains', () => {
  const m = cnn();
  const before = new Map([...m.stateDict()].map(([k, t]) => [k, Buffer.from(bytes(t))]));
  m.layers[0]!.freeze();
  m.layers[1]!.freeze();
  const opt = new Adam(m.parameters(), { lr: 0.05 });
  trainSteps(m, 5, opt);
  for (const name of ['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var']) {
    assert.ok(bytes(m.stateDict().get(name)!).equals(before.get(name)!), `${name} changed`);
  }
  assert.ok(!bytes(m.stateDict().get('4.weight')!).equals(before.get('4.weight')!), 'the head did not train');
  // No optimizer state for the frozen parameters (indices 0-3), only for the head (4, 5).
  const keys = [...opt.stateTensors().keys()].map((k) => Number(k.split('.')[0]));
  assert.deepEqual([...new Set(keys)].sort(), [4, 5]);
  assert.deepEqual(m.trainableParameters(), [m.layers[4]!.parameters()[0], m.layers[4]!.parameters()[1]]);
});

test('without freezing, the same run moves batch-norm statistics and conv weights (the test above can fail)', () => {
  const m = cnn();
  const mean0 = Float32Array.from(m.stateDict().get('1.running_mean')!.data);
  const w0 = Float32Array.from(m.stateDict().get('0.weight')!.data);
  trainSteps(m, 5);
  assert.notDeepEqual(Array.from(m.stateDict().get('1.running_mean')!.data), Array.from(mean0));
  assert.notDeepEqual(Array.from(m.stateDict().get('0.weight')!.data), Array.from(w0));
});

test('unfreeze() makes a layer train again', () => {
  const m = cnn();
  m.freeze().unfreeze();
  const w0 = Float32Array.from(m.layers[0]!.parameters()[0]!.data);
  trainSteps(m, 2);
  assert.notDeepEqual(Array.from(m.layers[0]!.parameters()[0]!.data), Array.from(w0));
});

test('parameter groups: each group steps with its own lr and weight decay; a schedule scales all groups', () => {
  const a = Tensor.from([1, 1], [2], true);
  const b = Tensor.from([1, 1], [2], true);
  const opt = new SGD([{ name: 'body', params: [a] }, { name: 'head', params: [b], lr: 1, weightDecay: 0.5 }], { lr: 0.1 });
  a.gradBuffer().fill(1);
  b.gradBuffer().fill(1);
  opt.step();
  assert.ok(Math.abs(a.data[0]! - 0.9) < 1e-7, `body ${a.data[0]}`); // 1 − 0.1·1
  assert.ok(Math.abs(b.data[0]! - -0.5) < 1e-7, `head ${b.data[0]}`); // 1 − 1·(1 + 0.5·1)
  assert.deepEqual(opt.groupSummary().map((g) => [g.name, g.lr, g.weightDecay]), [['body', 0.1, 0], ['head', 1, 0.5]]);
  assert.equal(opt.lr, 0.1);
  const sched = new StepLR(opt, 1, 0.5);
  sched.step();
  assert.deepEqual(opt.groupSummary().map((g) => g.lr), [0.05, 0.5]);
  assert.throws(() => new SGD([{ params: [a] }, { params: [a] }], { lr: 0.1 }), /more than one optimizer group/);
});

test('replaceHead: a fresh final Linear of N outputs, seeded, trainable even when the body is frozen', () => {
  const m = cnn();
  m.freeze();
  const h1 = m.replaceHead(7, { rng: new Rng(3) });
  assert.deepEqual(m.forward(Tensor.zeros([2, 1, 6, 6])).shape, [2, 7]);
  assert.equal(m.layers[4], h1);
  assert.ok(h1.weight.requiresGrad);
  const h2 = cnn().replaceHead(7, { rng: new Rng(3) });
  assert.deepEqual(Array.from(h1.weight.data), Array.from(h2.weight.data));
  assert.throws(() => new Sequential(new ReLU()).replaceHead(3), isInvalidArg);
  assert.throws(() => m.replaceHead(0), isInvalidArg);
});

test('freeze patterns: index ranges and type globs; bad ones are LEPTON_ERR_INVALID_ARGUMENT naming the problem', () => {
  const m = cnn();
  assert.deepEqual(freezeTargets(m, '0-1'), [0, 1]);
  assert.deepEqual(freezeTargets(m, 'conv*'), [0]);
  assert.deepEqual(freezeTargets(m, 'conv*,batchnorm2d'), [0, 1]);
  assert.deepEqual(freezeTargets(m, '3'), [3]);
  for (const [bad, msg] of [['3-1', /backwards/], ['9', /does not exist/], ['lstm*', /matches no layer/], ['conv[', /neither an index range/], ['', /neither/]] as const) {
    assert.throws(() => freezeTargets(m, bad), (e) => isInvalidArg(e) && msg.test((e as Error).message), bad);
  }
  assert.throws(() => setupTransfer(m, { seed: 0, freeze: '0-4' }), (e) => isInvalidArg(e) && /nothing is left to train/.test((e as Error).message));
});

test('setupTransfer: new head, frozen body, head group with its own lr', () => {
  const m = cnn();
  const t = setupTransfer(m, { seed: 0, newHead: 2, freeze: 'conv*,batchnorm*', lrHead: 0.01 });
  assert.deepEqual(t.frozen, [0, 1]);
  assert.deepEqual(t.params.map((g) => [g.name, g.lr, g.params.length]), [['head', 0.01, 2]]);
  const opt = new Adam(t.params, { lr: 1e-3 });
  assert.deepEqual(opt.groupSummary().map((g) => g.lr), [0.01]);
});

test('class filter renumbers labels and caps samples per class', () => {
  const ds = { name: 't', x: Float32Array.from({ length: 10 }, (_, i) => i), y: Int32Array.from([0, 1, 2, 1, 2, 2, 0, 1, 2, 2]), n: 10, shape: [1, 1, 1] as [number, number, number], numClasses: 3, labels: ['a', 'b', 'c'] };
  const f = filterClasses(ds, parseIndexList('1-2', '--classes'), 2);
  assert.deepEqual(Array.from(f.y), [0, 1, 0, 1]);
  assert.deepEqual(Array.from(f.x), [1, 2, 3, 4]);
  assert.deepEqual(f.labels, ['b', 'c']);
  assert.throws(() => filterClasses(ds, [5]), isInvalidArg);
});
