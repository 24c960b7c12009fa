/**
 * TF.js peer of bench/train.ts on its wasm backend (@tensorflow/tfjs-backend-wasm; tfjs-node
 * cannot install offline): the same MLP/CNN, Adam(1e-3), fashion-mnist. Prints one JSON line.
 * Usage: npx tsx bench/train-peers/tfjs-train.ts --arch mlp|cnn --epochs N --batch-size B [--limit-train N]
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadDataset } from '../../src/data/index.js';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const arch = arg('arch', 'mlp');
const epochs = Number(arg('epochs', '1'));
const batchSize = Number(arg('batch-size', '128'));
const limit = Number(arg('limit-train', '0'));

const req = createRequire(import.meta.url);
setWasmPaths(join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
await tf.setBackend('wasm');
await tf.ready();

const { train: full, test } = loadDataset('fashion-mnist');
const n = limit > 0 ? Math.min(limit, full.n) : full.n;
const shape: number[] = arch === 'mlp' ? [784] : [28, 28, 1]; // TF.js conv layers are channels-last
const xs = tf.tensor(full.x.subarray(0, n * 784), [n, ...shape]);
const ys = tf.oneHot(tf.tensor1d(full.y.subarray(0, n), 'int32'), 10);
const model = tf.sequential();
if (arch === 'mlp') {
  model.add(tf.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }));
} else {
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
}
model.add(tf.layers.dense({ units: 10 }));
model.compile({ optimizer: tf.train.adam(1e-3), loss: (y, p) => tf.losses.softmaxCrossEntropy(y, p) });
const secs: number[] = [];
let error: string | undefined;
try {
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    await model.fit(xs, ys, { epochs: 1, batchSize, shuffle: true, verbose: 0 });
    secs.push((performance.now() - t0) / 1000);
  }
} catch (err) {
  error = (err as Error).message.split('\n')[0];
}
let accuracy: number | null = null;
if (!error) {
  const tx = tf.tensor(test.x, [test.n, ...shape]);
  const pred = (model.predict(tx) as tf.Tensor).argMax(1).dataSync();
  let hits = 0;
  for (let i = 0; i < test.n; i++) if (pred[i] === test.y[i]) hits++;
  accuracy = hits / test.n;
}
const mean = secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : null;
console.log(JSON.stringify({ seconds_per_epoch: mean === null ? null : (mean * 60000) / n, accuracy, images: n, extrapolated: n < 60000, ...(error && { error }) }));
