/**
 * Probabilistic, regression and clustering scores with scikit-learn 1.2's edge cases: log loss
 * clips to [eps, 1-eps] and renormalises rows, r2 of a constant target is 1 (perfect) or 0, and
 * the adjusted Rand index treats trivial clusterings as identical (1.0).
 */
import { LeptonError, invalidArgument } from '../../core/errors.js';
import { checkPair, uniqueLabels } from './classification.js';

/**
 * Cross-entropy. yProb is the positive-class probability per sample (binary) or [n][C] class
 * probabilities in the order of `labels` (default: sorted labels of yTrue).
 */
export function logLoss(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number> | ArrayLike<number>[],
  options: { eps?: number; labels?: number[] } = {},
): number {
  // sklearn 1.2's eps='auto': the float64 machine epsilon.
  const eps = options.eps ?? Number.EPSILON;
  const n = yTrue.length;
  if (n === 0 || yProb.length !== n) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', 'logLoss: yTrue and yProb lengths differ');
  const labels = options.labels ?? uniqueLabels(yTrue);
  if (labels.length === 1) {
    throw invalidArgument(`logLoss: yTrue contains only one label (${labels[0]}); pass the true labels through options.labels`);
  }
  const idx = new Map(labels.map((l, i) => [l, i]));
  let rows: number[][];
  if (typeof yProb[0] === 'number') {
    if (labels.length !== 2) throw invalidArgument('logLoss: a 1-D yProb needs exactly 2 labels');
    rows = Array.from(yProb as ArrayLike<number>, (p) => [1 - p, p]);
  } else {
    rows = Array.from(yProb as ArrayLike<number>[], (r) => Array.from(r));
  }
  const C = (rows[0] as number[]).length;
  if (C !== labels.length) {
    throw invalidArgument(`logLoss: yProb has ${C} columns, yTrue has ${labels.length} labels; pass options.labels`);
  }
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const c = idx.get(yTrue[i] as number);
    if (c === undefined) throw invalidArgument(`logLoss: label ${yTrue[i]} is not among labels [${labels.join(', ')}]`);
    const r = (rows[i] as number[]).map((p) => Math.min(Math.max(p, eps), 1 - eps));
    const s = r.reduce((a, b) => a + b, 0);
    loss -= Math.log((r[c] as number) / s);
  }
  return loss / n;
}

/** Mean of squared differences. */
export function meanSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred, 'meanSquaredError');
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += ((yTrue[i] as number) - (yPred[i] as number)) ** 2;
  return s / yTrue.length;
}

/** Coefficient of determination. Constant yTrue: 1 if predicted exactly, else 0 (force_finite). */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkPair(yTrue, yPred, 'r2');
  const n = yTrue.length;
  if (n < 2) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i] as number;
  mean /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((yTrue[i] as number) - (yPred[i] as number)) ** 2;
    den += ((yTrue[i] as number) - mean) ** 2;
  }
  if (den === 0) return num === 0 ? 1 : 0;
  return 1 - num / den;
}

/** Rand index adjusted for chance, between two labelings (symmetric, label-permutation invariant). */
export function adjustedRandScore(labelsTrue: ArrayLike<number>, labelsPred: ArrayLike<number>): number {
  checkPair(labelsTrue, labelsPred, 'adjustedRandScore');
  const n = labelsTrue.length;
  const a = uniqueLabels(labelsTrue);
  const b = uniqueLabels(labelsPred);
  if ((a.length === 1 && b.length === 1) || (a.length === n && b.length === n)) return 1;
  const ia = new Map(a.map((l, i) => [l, i]));
  const ib = new Map(b.map((l, i) => [l, i]));
  const cont = new Float64Array(a.length * b.length);
  for (let i = 0; i < n; i++) cont[(ia.get(labelsTrue[i] as number) as number) * b.length + (ib.get(labelsPred[i] as number) as number)]! += 1;
  const nc = new Float64Array(a.length);
  const nk = new Float64Array(b.length);
  let sumSq = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const v = cont[i * b.length + j] as number;
      nc[i]! += v;
      nk[j]! += v;
      sumSq += v * v;
    }
  }
  let dotK = 0;
  let dotC = 0;
  for (let i = 0; i < a.length; i++) dotC += (nc[i] as number) ** 2;
  for (let j = 0; j < b.length; j++) dotK += (nk[j] as number) ** 2;
  const tp = sumSq - n;
  const fp = dotK - sumSq; // pairs apart in true, together in pred (sklearn's C[0,1])
  const fn = dotC - sumSq;
  const tn = n * n - fp - fn - sumSq;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}
