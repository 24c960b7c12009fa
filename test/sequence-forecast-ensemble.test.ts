// A seed ensemble of recurrent forecasters merged into one wider network (src/cli/forecast-ensemble.ts)
// answers the mean of the members' outputs, for LSTM, GRU and RNN, one and two layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { buildModule, type ModelArch } from '../src/nn/index.js';
import { Tensor, noGrad } from '../src/tensor/index.js';
import { mergeEnsemble } from '../src/cli/forecast-ensemble.js';

for (const [type, numLayers] of [['lstm', 1], ['gru', 2], ['rnn', 2]] as const) {
  test(`${type} x${numLayers} layer(s): the merged network equals the members' mean`, () => {
    const arch: ModelArch = {
      name: 't',
      inputShape: [7, 2],
      numClasses: 3,
      model: { type: 'sequential', layers: [{ type, inputSize: 2, hiddenSize: 5, numLayers, batchFirst: true }, { type: 'last_step' }, { type: 'linear', inFeatures: 5, outFeatures: 3 }] } as ModelArch['model'],
    };
    const members = [1, 2, 3].map((s) => buildModule(arch.model, { rng: new Rng(s) }).eval());
    const { model } = mergeEnsemble(members, arch);
    const x = Tensor.uniform([4, 7, 2], new Rng(9), -2, 2);
    const mean = new Float32Array(4 * 3);
    noGrad(() => members.forEach((m) => m.forward(x).data.forEach((v, i) => (mean[i]! += v / 3))));
    const got = noGrad(() => model.forward(x).data);
    assert.equal(got.length, mean.length);
    got.forEach((v, i) => assert.ok(Math.abs(v - mean[i]!) < 1e-5, `output ${i}: ${v} vs ${mean[i]}`));
    // Not a trivial pass: the members disagree.
    const first = noGrad(() => members[0]!.forward(x).data);
    assert.ok(first.some((v, i) => Math.abs(v - mean[i]!) > 1e-3));
  });
}
