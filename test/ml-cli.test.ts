// End-to-end runs of `lep ml evaluate|metrics` and `lep features search` on the committed CSV
// fixtures and a small index built here: JSON on stdout, one-line errors and exit code 2 for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../src/data/png.js';
import { FeatureCodec, VectorIndex } from '../src/vision/index.js';
import { Rng } from '../src/core/rng.js';

const root = join(import.meta.dirname, '..');
const F = join(root, 'test', 'fixtures', 'ml');

function lep(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], { encoding: 'utf8', timeout: 120_000, cwd: root });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'lep-ml-cli-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('lep ml evaluate: knn and tree print classifier JSON; kmeans prints inertia and ARI', () => {
  const knn = lep('ml', 'evaluate', '--algo', 'knn', '--k', '5', '--train', join(F, 'train.csv'), '--test', join(F, 'test.csv'), '--out', join(dir, 'pred.csv'));
  assert.equal(knn.code, 0, knn.stderr);
  const r = JSON.parse(knn.stdout);
  // The same split scored by sklearn's KNeighborsClassifier (refs.json knn euclidean-uniform).
  const refs = JSON.parse(readFileSync(join(F, 'refs.json'), 'utf8'));
  const yTest = readFileSync(join(F, 'test.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',').pop()));
  const refAcc = refs.knn['euclidean-uniform'].pred.filter((p: number, i: number) => p === yTest[i]).length / yTest.length;
  assert.equal(r.accuracy, refAcc); // JSON keeps full precision (issue 12)
  assert.equal(r.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0), 60);
  assert.ok(r.precisionMacro > 0 && r.recallMacro > 0 && r.f1Macro > 0);
  assert.equal(readFileSync(join(dir, 'pred.csv'), 'utf8').trim().split('\n').length, 61);
  const tree = JSON.parse(lep('ml', 'evaluate', '--algo', 'tree', '--max-depth', '4', '--criterion', 'entropy', '--train', join(F, 'train.csv'), '--test', join(F, 'test.csv')).stdout);
  const treeRefAcc = refs.tree.entropy.pred.filter((p: number, i: number) => p === yTest[i]).length / yTest.length;
  assert.ok(Math.abs(tree.accuracy - treeRefAcc) < 0.05); // min_samples_leaf differs from the ref tree
  const km = JSON.parse(lep('ml', 'evaluate', '--algo', 'kmeans', '--k', '3', '--train', join(F, 'train.csv'), '--test', join(F, 'test.csv')).stdout);
  assert.ok(km.inertia > 0 && km.adjustedRandIndex >= -1 && km.adjustedRandIndex <= 1);
});

test('lep ml metrics prints binary and macro scores, ROC AUC and AP', () => {
  const r = lep('ml', 'metrics', '--y-true', join(F, 'y.csv'), '--y-score', join(F, 'scores.csv'));
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  const refs = JSON.parse(readFileSync(join(F, 'refs.json'), 'utf8')).metrics;
  // full precision in JSON (issue 12): equal to sklearn's doubles up to summation order, not to 6 places
  const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-12;
  assert.ok(close(m.rocAuc, refs.auc), `${m.rocAuc} vs ${refs.auc}`);
  assert.ok(close(m.averagePrecision, refs.ap), `${m.averagePrecision} vs ${refs.ap}`);
  assert.ok(close(m.precision, refs.binary.p) && close(m.recall, refs.binary.r) && close(m.f1, refs.binary.f), JSON.stringify(m));
  for (const k of ['accuracy', 'recall', 'f1', 'precisionMacro', 'recallMacro', 'f1Macro']) assert.equal(typeof m[k], 'number');
});

test('bad CSVs: one-line LEPTON_ERR_CSV and exit code 2', () => {
  const cases: Record<string, string> = {
    ragged: 'a,b,label\n1,2,0\n3,4\n',
    nonNumeric: 'a,b,label\n1,x,0\n3,4,1\n',
    empty: '',
  };
  for (const [name, text] of Object.entries(cases)) {
    const p = join(dir, `${name}.csv`);
    writeFileSync(p, text);
    const r = lep('ml', 'evaluate', '--algo', 'tree', '--train', p, '--test', join(F, 'test.csv'));
    assert.equal(r.code, 2, name);
    assert.match(r.stderr, /^error LEPTON_ERR_CSV: .+\n$/, name);
    assert.equal(r.stdout, '');
  }
  const r = lep('ml', 'evaluate', '--algo', 'knn', '--label', 'nope', '--train', join(F, 'train.csv'), '--test', join(F, 'test.csv'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /LEPTON_ERR_CSV: .*label column "nope" not found/);
  const algo = lep('ml', 'evaluate', '--algo', 'svm', '--train', join(F, 'train.csv'), '--test', join(F, 'test.csv'));
  assert.equal(algo.code, 2);
  assert.match(algo.stderr, /LEPTON_ERR_INVALID_ARGUMENT/);
});

test('lep features search finds the indexed twin of an image file; corrupt index → exit 2', () => {
  const rng = new Rng(1);
  const n = 60;
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const codec = FeatureCodec.fit(x, n, { bytes: 16, hog: { cellSize: 7 } });
  const index = new VectorIndex(codec.quantizer, { codec: codec.toJSON(), labels: Array.from({ length: n }, (_, i) => i % 3), classNames: ['a', 'b', 'c'] });
  index.add(codec.encode(x, n));
  const idxPath = join(dir, 'small.idx');
  index.save(idxPath);
  const img = join(dir, 'q.png');
  // Quantise to 8 bits first so the PNG decodes to exactly the indexed pixels.
  const q = Float32Array.from(x.subarray(7 * 784, 8 * 784), (v) => Math.round(v * 255) / 255);
  writeFileSync(img, encodePng(q, 28, 28));
  const r = lep('features', 'search', '--index', idxPath, '--image', img, '--k', '3');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.hits.length, 3);
  assert.equal(out.hits[0].id, 7);
  assert.equal(out.hits[0].className, 'b');
  const bad = join(dir, 'bad.idx');
  writeFileSync(bad, Buffer.from('LEPVIDX1garbage'));
  const c = lep('features', 'search', '--index', bad, '--image', img);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /^error LEPTON_ERR_CORRUPT_FILE/);
  const ds = lep('features', 'build', '--dataset', 'nope', '--out', join(dir, 'x.idx'));
  assert.equal(ds.code, 2);
});
