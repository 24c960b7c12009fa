// kNN (k = 5) on fashion-mnist over our ≤ 256-byte image codes, PCA against LDA reduction
// (FeatureCodec reduce 'pca' | 'lda', the same HOG features and int8 quantiser): test accuracy,
// bytes per image, fit + encode seconds and query seconds. LDA keeps at most classes − 1 = 9
// dimensions, so its code is 9 bytes against PCA's 256. Run: npx tsx bench/codes-lda.ts [--limit N]
import { loadavg } from 'node:os';
import { loadDataset } from '../src/data/index.js';
import { FeatureCodec, VectorIndex, type ReduceKind } from '../src/vision/index.js';

const li = process.argv.indexOf('--limit');
const limit = li > 0 ? Number(process.argv[li + 1]) : undefined;
const { train, test } = loadDataset('fashion-mnist', limit ? { limitTrain: limit, limitTest: Math.ceil(limit / 6) } : {});
console.log(`fashion-mnist: ${train.n} indexed, ${test.n} queries; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log('| reduction | bytes/image | kNN k=5 accuracy | fit+encode s | query s |');
console.log('|---|---|---|---|---|');
for (const reduce of ['pca', 'lda'] as ReduceKind[]) {
  let t = performance.now();
  const codec = FeatureCodec.fit(train.x, train.n, { bytes: 256, reduce, ...(reduce === 'lda' && { labels: train.y }), seed: 0 });
  const index = new VectorIndex(codec.quantizer);
  index.add(codec.encode(train.x, train.n));
  const fit = (performance.now() - t) / 1000;
  t = performance.now();
  const hits = index.search(codec.embed(test.x, test.n), 5);
  let right = 0;
  hits.forEach((h, i) => {
    const votes = new Array<number>(10).fill(0);
    for (const x of h) votes[train.y[x.id]!]! += 1;
    if (votes.indexOf(Math.max(...votes)) === test.y[i]) right++;
  });
  const query = (performance.now() - t) / 1000;
  console.log(`| ${reduce} | ${codec.codeBytes} | ${((100 * right) / test.n).toFixed(2)}% | ${fit.toFixed(1)} | ${query.toFixed(1)} |`);
}
