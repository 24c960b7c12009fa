// Tabular explanations (issue 14): a tree's impurity importances equal scikit-learn's
// feature_importances_ (test/fixtures/ml/importances.json, made once by
// scripts/gen-importance-refs.py) on the CLI's CSV, wine and a make_classification set; permutation importance finds the
// one feature a hand-built model reads, is reproducible by seed, and `lep ml evaluate
// --importances` prints both kinds ranked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCsv } from '../src/data/csv.js';
import * as ml from '../src/ml/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const F = join(ROOT, 'test', 'fixtures', 'ml');

interface Case { data: string; criterion: 'gini' | 'entropy'; max_depth: number | null; min_samples_leaf: number; importances: number[]; nodes: number }
const refs = JSON.parse(readFileSync(join(F, 'importances.json'), 'utf8')) as { cases: Case[] } & Record<string, { X: number[][]; y: number[] }>;

function dataset(name: string): { X: ml.Matrix; y: ArrayLike<number> } {
  if (name !== 'train.csv') return { X: ml.toMatrix(refs[name]!.X), y: refs[name]!.y };
  const t = readCsv(join(F, name));
  return { X: { data: t.X, rows: t.n, cols: t.d }, y: t.y };
}

test('tree featureImportances equal scikit-learn (normalised weighted impurity decrease)', () => {
  assert.ok(refs.cases.length >= 15 && new Set(refs.cases.map((c) => c.data)).size === 3);
  for (const c of refs.cases) {
    const { X, y } = dataset(c.data);
    const m = new ml.DecisionTreeClassifier({ criterion: c.criterion, maxDepth: c.max_depth, minSamplesLeaf: c.min_samples_leaf }).fit(X, y);
    const what = `${c.data} ${c.criterion} depth ${c.max_depth} leaf ${c.min_samples_leaf}`;
    assert.equal(m.tree!.feature.length, c.nodes, `${what}: node count`);
    m.featureImportances.forEach((v, i) => assert.ok(Math.abs(v - c.importances[i]!) < 1e-9, `${what}: feature ${i} ${v} vs ${c.importances[i]}`));
  }
});

test('permutation importance: only the feature the model reads matters; seeded; std over repeats', () => {
  const rows = 200;
  const X: number[][] = Array.from({ length: rows }, (_, i) => [Math.sin(i * 1.7), Math.cos(i * 0.3), (i % 7) / 7]);
  const y = X.map((r) => (r[0]! > 0 ? 1 : 0));
  const model = { predict: (m: ml.Matrix) => Float64Array.from({ length: m.rows }, (_, i) => (m.data[i * m.cols]! > 0 ? 1 : 0)) };
  const r = ml.permutationImportance(model, X, y, { repeats: 8, seed: 3 });
  assert.equal(r.baseline, 1);
  assert.deepEqual(r.importancesMean.slice(1), [0, 0]);
  assert.ok(r.importancesMean[0]! > 0.3, `feature 0: ${r.importancesMean[0]}`);
  assert.equal(r.importances[0]!.length, 8);
  assert.ok(r.importancesStd[0]! > 0);
  assert.deepEqual(ml.permutationImportance(model, X, y, { repeats: 8, seed: 3 }).importances, r.importances);
  assert.notDeepEqual(ml.permutationImportance(model, X, y, { repeats: 8, seed: 4 }).importances[0], r.importances[0]);
  assert.deepEqual(ml.rankFeatures(r.importancesMean), [0, 1, 2]);
  const reg = ml.permutationImportance({ predict: (m: ml.Matrix) => Float64Array.from({ length: m.rows }, (_, i) => 2 * m.data[i * m.cols + 1]!) }, X, X.map((row) => 2 * row[1]!), { scoring: 'r2' });
  assert.ok(Math.abs(reg.baseline - 1) < 1e-9);
  assert.ok(reg.importancesMean[1]! > 1, 'shuffling the only input of an exact regression costs more than the whole R²');
  assert.throws(() => ml.permutationImportance(model, X, y, { repeats: 0 }), /repeats/);
});

test('lep ml evaluate --importances impurity|permutation prints them ranked', () => {
  const lep = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'ml', 'evaluate', '--train', join(F, 'train.csv'), '--test', join(F, 'test.csv'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const r1 = lep('--algo', 'tree', '--max-depth', '2', '--importances', 'impurity');
  assert.equal(r1.status, 0, r1.stderr);
  const imp = (JSON.parse(r1.stdout) as { importances: { kind: string; ranked: Array<{ feature: string; importance: number }> } }).importances;
  const ref = refs.cases.find((c) => c.data === 'train.csv' && c.criterion === 'gini' && c.max_depth === 2)!;
  assert.equal(imp.kind, 'impurity');
  const byName = new Map(imp.ranked.map((e) => [e.feature, e.importance]));
  ref.importances.forEach((v, i) => assert.ok(Math.abs(byName.get(`f${i}`)! - v) < 1e-9, `f${i}`));
  for (let i = 1; i < imp.ranked.length; i++) assert.ok(imp.ranked[i - 1]!.importance >= imp.ranked[i]!.importance, 'ranked');
  const r2 = lep('--algo', 'knn', '--importances', 'permutation', '--repeats', '3');
  assert.equal(r2.status, 0, r2.stderr);
  const p = (JSON.parse(r2.stdout) as { importances: { kind: string; repeats: number; ranked: Array<{ std: number }> } }).importances;
  assert.deepEqual([p.kind, p.repeats, p.ranked.length], ['permutation', 3, 6]);
  const r3 = lep('--algo', 'knn', '--importances', 'impurity');
  assert.equal(r3.status, 2);
  assert.match(r3.stderr, /impurity needs --algo tree/);
});
