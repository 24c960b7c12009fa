/**
 * Classic ML on fashion-mnist beside scikit-learn (Debian's python3-sklearn), one run each:
 * kNN k=5 on raw pixels, kNN on our ≤ 256-byte codes (and sklearn on PCA-64 for reference), a
 * depth-12 decision tree and k-means k=10. Prints accuracy/ARI, fit and predict seconds and ratios,
 * plus single-query latency over the 60k-image code index. Run: npx tsx bench/ml.ts
 */
import { record } from './lib/report.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadDataset } from '../src/data/index.js';
import * as ml from '../src/ml/index.js';
import { FeatureCodec, VectorIndex } from '../src/vision/index.js';
import { exactScan } from '../src/vision/code-scan.js';
import { kernels } from '../src/tensor/index.js';

const root = join(import.meta.dirname, '..');
const KMEANS_N_INIT = 3;

function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const r = fn();
  return [r, (performance.now() - t) / 1000];
}

const setup = spawnSync('bash', [join(root, 'bench', 'setup.sh')], { stdio: 'inherit' });
if (setup.status !== 0) throw new Error('bench/setup.sh failed');

console.error('scikit-learn peer…');
const py = spawnSync('/usr/bin/python3', [join(root, 'bench', 'ml-peers', 'sklearn_ml.py'), String(KMEANS_N_INIT)], { encoding: 'utf8', maxBuffer: 1 << 20 });
if (py.status !== 0) throw new Error(`sklearn peer failed: ${py.stderr}`);
const sk = JSON.parse(py.stdout) as Record<string, { acc?: number; ari?: number; fit: number; predict: number }>;

const { train, test } = loadDataset('fashion-mnist');
const d = 784;
const Xtr = { data: train.x, rows: train.n, cols: d };
const Xte = { data: test.x, rows: test.n, cols: d };
const ours: Record<string, { acc?: number; ari?: number; fit: number; predict: number }> = {};
console.error(`ours (kernels: ${kernels().name})…`);

{
  const m = new ml.KNNClassifier({ k: 5, algorithm: 'brute' });
  const [, fit] = timed(() => m.fit(Xtr, train.y));
  const [pred, predict] = timed(() => m.predict(Xte));
  ours['knn_raw'] = { acc: ml.metrics.accuracy(test.y, pred), fit, predict };
  console.error('knn raw', ours['knn_raw']);
}

let latencyMs = NaN;
let exactMs = NaN;
let recall5 = NaN;
let codeBytes = 0;
{
  const [codec, fitCodec] = timed(() => FeatureCodec.fit(train.x, train.n, { bytes: 256, seed: 0 }));
  codeBytes = codec.codeBytes;
  const index = new VectorIndex(codec.quantizer);
  const [, encode] = timed(() => index.add(codec.encode(train.x, train.n)));
  const [pred, predict] = timed(() => {
    const q = codec.embed(test.x, test.n);
    const hits = index.search(q, 5);
    return Float64Array.from(hits, (h) => {
      const votes = new Array<number>(10).fill(0);
      for (const x of h) votes[train.y[x.id] as number]! += 1;
      return votes.indexOf(Math.max(...votes));
    });
  });
  ours['knn_codes'] = { acc: ml.metrics.accuracy(test.y, pred), fit: fitCodec + encode, predict };
  console.error('knn codes', ours['knn_codes']);
  // Single-query latency over the 60k index (query embedding precomputed; includes top-k), against
  // the float64 exact scan over the same codes (the index's previous single-query path), and
  // recall@5 of the index's answers against that exact scan's.
  const nq = 100;
  const dims = codec.dims;
  const q = codec.embed(test.x.subarray(0, nq * d), nq);
  index.search(q.subarray(0, dims), 5); // first call copies the codes into wasm memory
  let t = performance.now();
  const got = Array.from({ length: nq }, (_, i) => index.search(q.subarray(i * dims, (i + 1) * dims), 5)[0]!.map((h) => h.id));
  latencyMs = (performance.now() - t) / nq;
  const set = index.codeSet();
  t = performance.now();
  const want = Array.from({ length: nq }, (_, i) => Array.from(exactScan(set, q.subarray(i * dims, (i + 1) * dims), 1, 5).indices));
  exactMs = (performance.now() - t) / nq;
  let hit = 0;
  for (let i = 0; i < nq; i++) for (const id of got[i]!) if (want[i]!.includes(id)) hit++;
  recall5 = hit / (5 * nq);
}

{
  const m = new ml.DecisionTreeClassifier({ maxDepth: 12 });
  const [, fit] = timed(() => m.fit(Xtr, train.y));
  const [pred, predict] = timed(() => m.predict(Xte));
  ours['tree'] = { acc: ml.metrics.accuracy(test.y, pred), fit, predict };
  console.error('tree', ours['tree']);
}

{
  const m = new ml.KMeans({ k: 10, nInit: KMEANS_N_INIT, seed: 0 });
  const [, fit] = timed(() => m.fit(Xtr));
  const [pred, predict] = timed(() => m.predict(Xte));
  ours['kmeans'] = { ari: ml.metrics.adjustedRandScore(test.y, pred), fit, predict };
  console.error('kmeans', ours['kmeans']);
}

const pct = (v?: number): string => (v === undefined ? '—' : `${(v * 100).toFixed(2)}%`);
const s = (v?: number): string => (v === undefined ? '—' : v.toFixed(2));
const rows: Array<[string, string, string]> = [
  ['kNN k=5, raw pixels', 'knn_raw', 'knn_raw'],
  [`kNN k=5, ours ${codeBytes}-byte codes (sklearn: PCA-64 floats)`, 'knn_codes', 'knn_pca64'],
  ['decision tree, max_depth 12', 'tree', 'tree'],
  [`k-means k=10 (n_init ${KMEANS_N_INIT}), test ARI`, 'kmeans', 'kmeans'],
];
console.log(`\nfashion-mnist 60k train / 10k test — lepton (${kernels().name} kernels) vs scikit-learn ${'1.2'} (n_jobs=1)\n`);
console.log('| task | lepton score | sklearn score | Δ points | lepton fit s | sklearn fit s | fit ratio | lepton predict s | sklearn predict s | predict ratio |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [name, a, b] of rows) {
  const o = ours[a]!;
  const p = sk[b]!;
  const so = o.acc ?? o.ari;
  const sp = p.acc ?? p.ari;
  const delta = so !== undefined && sp !== undefined ? ((so - sp) * 100).toFixed(2) : '—';
  const fmt = o.acc !== undefined ? pct : (v?: number) => (v === undefined ? '—' : v.toFixed(4));
  // Issue 20's targets: k-means fit and the codec fit (codec + encoding the 60k, against sklearn's
  // PCA-64 fit + transform + kNN fit) ≤ 1.5× scikit-learn; the rest are recorded without one.
  record({ id: `${a}-fit-vs-sklearn`, what: `${name}: fit`, ours: o.fit, peer: p.fit, peerName: 'scikit-learn (n_jobs=1)', unit: 's', target: a === 'kmeans' || a === 'knn_codes' ? 1.5 : null });
  if (o.predict !== undefined && p.predict !== undefined) record({ id: `${a}-predict-vs-sklearn`, what: `${name}: predict`, ours: o.predict, peer: p.predict, peerName: 'scikit-learn (n_jobs=1)', unit: 's' });
  console.log(`| ${name} | ${fmt(so)} | ${fmt(sp)} | ${delta} | ${s(o.fit)} | ${s(p.fit)} | ${(o.fit / p.fit).toFixed(2)}× | ${s(o.predict)} | ${s(p.predict)} | ${(o.predict / p.predict).toFixed(2)}× |`);
}
console.log(`\n${codeBytes}-byte code search, one query over ${train.n} codes: ${latencyMs.toFixed(2)} ms/query, recall@5 ${recall5.toFixed(4)} against the exact float scan (${exactMs.toFixed(2)} ms/query)`);
const searchNote = `${train.n} codes of ${codeBytes} bytes, top-5, query embedding precomputed; recall@5 vs the exact scan ${recall5.toFixed(4)}`;
record({ id: 'code-search-vs-exact-scan', what: `${codeBytes}-byte code search, one query: vs the exact float scan`, ours: latencyMs, peer: exactMs, peerName: 'exact float64 scan over the same codes', unit: 'ms', notes: searchNote });
// Issue 20's target is absolute (≤ 5 ms per query with the exact scan's recall): the peer is that budget.
record({ id: 'code-search-latency-budget', what: `${codeBytes}-byte code search, one query over 60k: vs the 5 ms budget`, ours: latencyMs, peer: 5, peerName: 'issue 20 budget (5 ms)', unit: 'ms', target: 1, met: latencyMs <= 5 && recall5 === 1, notes: searchNote });
console.log(`kNN on codes vs sklearn raw-pixel kNN: ${pct(ours['knn_codes']!.acc)} vs ${pct(sk['knn_raw']!.acc)}`);
process.exit(0);
