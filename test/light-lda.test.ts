// LinearDiscriminantAnalysis against scikit-learn 1.2 reference values (scripts/gen-lda-refs.py,
// test/fixtures/lda-refs.json): means, priors, coef, intercept, explained variance ratio, transform
// (each axis up to sign, as SVD/eigen signs are arbitrary on both sides), predict and predict_proba,
// for the svd and eigen solvers, a binary case and collinear features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError } from '../src/core/errors.js';
import { LinearDiscriminantAnalysis } from '../src/ml/index.js';

interface Case {
  name: string;
  solver: 'svd' | 'eigen';
  n_components: number | null;
  X: number[][];
  y: number[];
  X_test: number[][];
  means: number[][];
  priors: number[];
  coef: number[][];
  intercept: number[];
  explained_variance_ratio: number[];
  transform: number[][];
  predict: number[];
  predict_proba: number[][];
}

const refs = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'lda-refs.json'), 'utf8')) as { cases: Case[] };

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

for (const c of refs.cases) {
  test(`LDA ${c.name} matches sklearn`, () => {
    const m = new LinearDiscriminantAnalysis({ solver: c.solver, ...(c.n_components !== null && { nComponents: c.n_components }) }).fit(c.X, c.y);
    const d = c.X[0]!.length;
    const K = c.priors.length;
    close(m.means, c.means.flat(), 1e-9, 'means');
    close(m.priors, c.priors, 1e-12, 'priors');
    // sklearn keeps one row for two classes: the difference of the two class rows.
    const coef = K === 2 ? Array.from({ length: d }, (_, j) => m.coef[d + j]! - m.coef[j]!) : Array.from(m.coef);
    const intercept = K === 2 ? [m.intercept[1]! - m.intercept[0]!] : Array.from(m.intercept);
    close(coef, c.coef.flat(), 1e-6, 'coef');
    close(intercept, c.intercept, 1e-6, 'intercept');
    close(m.explainedVarianceRatio, c.explained_variance_ratio, 1e-6, 'explained variance ratio');
    const t = m.transform(c.X_test);
    const k = c.transform[0]!.length;
    assert.equal(t.length, c.X_test.length * k);
    for (let j = 0; j < k; j++) {
      const ours = c.X_test.map((_, i) => t[i * k + j]!);
      const theirs = c.transform.map((r) => r[j]!);
      const sign = Math.sign(ours.reduce((s, v, i) => s + v * theirs[i]!, 0)) || 1;
      close(ours.map((v) => v * sign), theirs, 1e-4, `transform axis ${j}`);
    }
    assert.deepEqual(Array.from(m.predict(c.X_test)), c.predict);
    close(m.predictProba(c.X_test).flat(), c.predict_proba.flat(), 1e-5, 'predict_proba');
  });
}

test("LDA 'eigen' refuses a singular within-class covariance and names the way out", () => {
  const c = refs.cases.find((x) => x.name.startsWith('collinear'))!;
  assert.throws(() => new LinearDiscriminantAnalysis({ solver: 'eigen' }).fit(c.X, c.y), (e: unknown) => e instanceof LeptonError && /use solver 'svd'/.test(e.message));
  assert.throws(() => new LinearDiscriminantAnalysis({ nComponents: 4 }).fit(c.X, c.y), /nComponents must be 1\.\.3/);
});
