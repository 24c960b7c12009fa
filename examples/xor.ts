/**
 * The classic from-scratch exercise: a 2-2-1 network (tanh hidden layer, sigmoid output) learns
 * XOR with SGD + momentum and binary cross-entropy. Run: npx tsx examples/xor.ts
 */
import { Rng } from '../src/core/rng.js';
import { Tensor, noGrad } from '../src/tensor/index.js';
import { Sequential, Linear, Tanh, Sigmoid, SGD, binaryCrossEntropyLoss, xavierUniform } from '../src/nn/index.js';

export const XOR_INPUTS = Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]); // [4, 2]
export const XOR_TARGETS = Float32Array.from([0, 1, 1, 0]); // [4]

/** Train the XOR network; returns it with its final predictions and loss. */
export function trainXor(seed = 1, steps = 2000): { net: Sequential; predictions: number[]; loss: number } {
  const rng = new Rng(seed);
  const hidden = new Linear(2, 2, { rng });
  const out = new Linear(2, 1, { rng });
  xavierUniform(hidden.weight, rng, 5 / 3); // Glorot with tanh's gain
  const net = new Sequential(hidden, new Tanh(), out, new Sigmoid());
  const opt = new SGD(net.parameters(), { lr: 0.5, momentum: 0.9 });
  const x = new Tensor(XOR_INPUTS, [4, 2]);
  let loss = NaN;
  for (let step = 0; step < steps; step++) {
    const p = net.forward(x); // [4, 1]
    const l = binaryCrossEntropyLoss(p, XOR_TARGETS);
    opt.zeroGrad();
    l.backward();
    opt.step();
    loss = l.item();
  }
  const predictions = noGrad(() => net.forward(x).toArray());
  return { net, predictions, loss };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { predictions, loss } = trainXor();
  console.log(`final loss ${loss.toFixed(5)}`);
  [[0, 0], [0, 1], [1, 0], [1, 1]].forEach(([a, b], i) => console.log(`${a} xor ${b} → ${predictions[i]!.toFixed(4)}`));
}
