/**
 * Permutation importance, as sklearn.inspection.permutation_importance: for each feature, shuffle
 * its column `repeats` times and record how much the score drops. Model-agnostic, and (unlike
 * impurity importances) honest on held-out data, where sklearn recommends it: a feature the model
 * only used to memorise the training set scores near zero.
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { toMatrix, type Matrix, type MatrixLike } from './matrix.js';
import { accuracy } from './metrics/classification.js';
import { meanSquaredError, r2 } from './metrics/regression.js';

export const SCORING_NAMES = ['accuracy', 'r2', 'neg_mean_squared_error'] as const;
export type ScoringName = (typeof SCORING_NAMES)[number];
/** Higher is better (sklearn's convention: losses are negated). */
export type Scorer = (yTrue: ArrayLike<number>, yPred: ArrayLike<number>) => number;

export interface PermutationImportanceOptions {
  /** Shuffles per feature. Default 5 (sklearn's). */
  repeats?: number;
  /** Default 0. */
  seed?: number;
  /** Default 'accuracy'. */
  scoring?: ScoringName | Scorer;
}

export interface PermutationImportance {
  /** Score of the untouched data. */
  baseline: number;
  /** Per feature: mean and (population) standard deviation of the drop over the repeats. */
  importancesMean: number[];
  importancesStd: number[];
  /** Per feature, per repeat: baseline − permuted score. */
  importances: number[][];
}

const SCORERS: Record<ScoringName, Scorer> = {
  accuracy: (t, p) => accuracy(t, p),
  r2: (t, p) => r2(t, p),
  neg_mean_squared_error: (t, p) => -meanSquaredError(t, p),
};

export function permutationImportance(model: { predict(X: Matrix): ArrayLike<number> }, X: MatrixLike, y: ArrayLike<number>, o: PermutationImportanceOptions = {}): PermutationImportance {
  const m = toMatrix(X);
  if (y.length !== m.rows) throw invalidArgument(`X has ${m.rows} rows but y has ${y.length}`);
  const repeats = o.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw invalidArgument(`repeats must be a positive integer, got ${repeats}`);
  const scoring = o.scoring ?? 'accuracy';
  const score: Scorer | undefined = typeof scoring === 'function' ? scoring : SCORERS[scoring];
  if (!score) throw invalidArgument(`unknown scoring ${JSON.stringify(scoring)}; valid: ${SCORING_NAMES.join(', ')}`);
  const baseline = score(y, model.predict(m));
  const rng = new Rng(o.seed ?? 0);
  const work: Matrix = { data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
  const col = new Float32Array(m.rows);
  const importances: number[][] = [];
  for (let f = 0; f < m.cols; f++) {
    for (let i = 0; i < m.rows; i++) col[i] = m.data[i * m.cols + f]!;
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const perm = rng.permutation(m.rows);
      for (let i = 0; i < m.rows; i++) work.data[i * m.cols + f] = col[perm[i]!]!;
      drops.push(baseline - score(y, model.predict(work)));
    }
    for (let i = 0; i < m.rows; i++) work.data[i * m.cols + f] = col[i]!; // put the column back
    importances.push(drops);
  }
  const mean = importances.map((d) => d.reduce((a, b) => a + b, 0) / d.length);
  const std = importances.map((d, f) => Math.sqrt(d.reduce((a, b) => a + (b - mean[f]!) ** 2, 0) / d.length));
  return { baseline, importancesMean: mean, importancesStd: std, importances };
}

/** Feature indices by decreasing importance (ties keep column order). */
export function rankFeatures(values: readonly number[]): number[] {
  return values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
}
