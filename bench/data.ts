// Data-layer benchmark, NumPy first then ours in one run: load Fashion-MNIST (gzipped IDX → float32)
// and gather one shuffled epoch of batch-128 copies; also our augmentation and decodeImage rates.
// Run: npx tsx bench/data.ts   (needs dataset-fashion-mnist and python3-numpy, see bench/setup.sh)
import { record } from './lib/report.js';
import { spawnSync } from 'node:child_process';
import { Rng } from '../src/core/rng.js';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../src/data/fashion-mnist.js';
import { batches } from '../src/data/loader.js';
import { augmentBatch } from '../src/data/augment.js';
import { decodeImage, encodePng } from '../src/data/image.js';

const peer = spawnSync('/usr/bin/python3', [new URL('./data-peers/numpy_data.py', import.meta.url).pathname, FASHION_MNIST_DIR], {
  encoding: 'utf8',
});
if (peer.status !== 0) throw new Error(`numpy peer failed: ${peer.stderr}`);
const np = JSON.parse(peer.stdout) as { load_s: number; epoch_s: number };

let t = performance.now();
const { train } = loadFashionMnist({ cache: false });
const loadS = (performance.now() - t) / 1000;

t = performance.now();
let check = 0;
for (const b of batches(train, 128, { rng: new Rng(0), reuseBuffers: true })) check += (b.x[0] as number) + (b.y[0] as number);
const epochS = (performance.now() - t) / 1000;

const first = batches(train, 128, { seed: 1 }).next().value;
if (!first) throw new Error('no batch');
const rng = new Rng(2);
t = performance.now();
const reps = 50;
for (let i = 0; i < reps; i++) augmentBatch(first.x, [1, 28, 28], { shift: 2, rotate: 10, noise: 0.05 }, rng);
const augImgS = (reps * 128) / ((performance.now() - t) / 1000);

const png = encodePng(train.x.subarray(0, 784), 28, 28);
t = performance.now();
for (let i = 0; i < 200; i++) await decodeImage(png, { width: 28, height: 28, channels: 1, normalize: 'unit' });
const decodeMs = (performance.now() - t) / 200;

record({ id: 'load-idx-vs-numpy', what: 'load 60k gz IDX → float32', ours: loadS, peer: np.load_s, peerName: 'numpy', unit: 's' });
record({ id: 'epoch-gather-vs-numpy', what: 'shuffled epoch, batch 128 gather', ours: epochS, peer: np.epoch_s, peerName: 'numpy', unit: 's' });
const r = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
console.log(`fashion-mnist train: ${train.n} images (check ${check.toFixed(1)})`);
console.log('| task | numpy | lepton | lepton/numpy |');
console.log('|---|---|---|---|');
console.log(`| load 60k gz IDX → float32 | ${np.load_s.toFixed(3)} s | ${loadS.toFixed(3)} s | ${r(loadS, np.load_s)} |`);
console.log(`| shuffled epoch, batch 128 gather | ${np.epoch_s.toFixed(3)} s | ${epochS.toFixed(3)} s | ${r(epochS, np.epoch_s)} |`);
console.log(`| augment shift+rotate+noise | – | ${Math.round(augImgS)} img/s | – |`);
console.log(`| decodeImage 28×28 PNG | – | ${decodeMs.toFixed(3)} ms | – |`);
