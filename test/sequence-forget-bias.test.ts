// The LSTM forget-gate bias init (forgetBias): the f block starts at the value (bias_ih) and 0
// (bias_hh), every other number is PyTorch's uniform init drawn as without it; the layer's default
// stays PyTorch's, while `lep train --arch lstm` (namedArch) asks for 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/core/rng.js';
import { LeptonError } from '../src/core/errors.js';
import { GRU, LSTM, buildModule, namedArch } from '../src/nn/index.js';

test('forgetBias sets the f block of the biases and leaves every other initial weight as PyTorch-style init draws it', () => {
  const H = 5;
  const plain = new LSTM(3, H, { numLayers: 2, rng: new Rng(7) });
  const fb = new LSTM(3, H, { numLayers: 2, rng: new Rng(7), forgetBias: 1 });
  for (const [name, t] of plain.stateDict()) {
    const u = fb.stateDict().get(name)!.data;
    for (let i = 0; i < t.data.length; i++) {
      const inF = name.startsWith('bias') && i >= H && i < 2 * H;
      if (!inF) assert.equal(u[i], t.data[i], `${name}[${i}]`);
      else assert.equal(u[i], name.startsWith('bias_ih') ? 1 : 0, `${name}[${i}]`);
    }
  }
  // PyTorch's default: the f block is uniform like the rest, not 1.
  assert.ok(Array.from(plain.param('bias_ih_l0').data.subarray(H, 2 * H)).every((v) => Math.abs(v) <= 1 / Math.sqrt(H)));
  assert.equal((buildModule(fb.spec()) as LSTM).forgetBias, 1);
  assert.throws(() => new GRU(3, H, { forgetBias: 1 } as never), LeptonError);
});

test('namedArch lstm asks for forget bias 1 by default and null gives PyTorch init; gru is unchanged', () => {
  const layer = (a: ReturnType<typeof namedArch>) => (a.model as { layers: Array<Record<string, unknown>> }).layers[0]!;
  assert.equal(layer(namedArch('lstm'))['forgetBias'], 1);
  assert.equal(layer(namedArch('lstm', 10, { forgetBias: null }))['forgetBias'], undefined);
  assert.equal(layer(namedArch('gru'))['forgetBias'], undefined);
});
