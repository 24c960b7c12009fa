/**
 * Classification metrics with scikit-learn's semantics: label sets are the sorted union of true
 * and predicted labels, `average` is binary/micro/macro/weighted/null, and zero divisions give
 * `zeroDivision` (0 by default, like sklearn's 'warn', which also yields 0).
 */
import { LeptonError, invalidArgument } from '../../core/errors.js';

export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | null;

export interface PrfOptions {
  /** Default 'binary' (as in sklearn). null returns one score per label. */
  average?: Average;
  /** The positive class for average='binary'. Default 1. */
  posLabel?: number;
  /** Labels to include, in this order. Default: sorted union of yTrue and yPred. */
  labels?: number[];
  /** Value returned where a ratio is 0/0. Default 0 (sklearn's 'warn' behaviour). */
  zeroDivision?: 0 | 1;
}

export function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, who: string): void {
  if (!yTrue || !yPred || typeof yTrue.length !== 'number' || typeof yPred.length !== 'number') {
    throw invalidArgument(`${who}: yTrue and yPred must be arrays of numbers`);
  }
  if (yTrue.length !== yPred.length) {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `${who}: yTrue has ${yTrue.length} values, yPred has ${yPred.length}`);
  }
  if (yTrue.length === 0) throw invalidArgument(`${who}: empty input`);
}

/** Sorted distinct values of the given arrays. */
export function uniqueLabels(...arrays: ArrayLike<number>[]): number[] {
  const s = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) s.add(a[i] as number);
  return [...s].sort((a, b) => a - b);
}

/** Fraction (or count, with normalize=false) of exact matches. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, normalize = true): number {
  checkPair(yTrue, yPred, 'accuracy');
  let hit = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hit++;
  return normalize ? hit / yTrue.length : hit;
}

/** C[i][j] = samples with true label labels[i] predicted as labels[j]. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels?: number[]): number[][] {
  checkPair(yTrue, yPred, 'confusionMatrix');
  const labs = labels ?? uniqueLabels(yTrue, yPred);
  if (labs.length === 0) throw invalidArgument('confusionMatrix: labels is empty');
  const idx = new Map(labs.map((l, i) => [l, i]));
  if (labels && !labs.some((l) => Array.prototype.includes.call(yTrue, l))) {
    throw invalidArgument('confusionMatrix: at least one label must be in yTrue');
  }
  const cm = labs.map(() => new Array<number>(labs.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = idx.get(yTrue[i] as number);
    const p = idx.get(yPred[i] as number);
    if (t !== undefined && p !== undefined) (cm[t] as number[])[p]! += 1;
  }
  return cm;
}

export interface PrfResult {
  precision: number | number[];
  recall: number | number[];
  f1: number | number[];
  /** Per-label true counts (only when average is null). */
  support?: number[];
}

function divide(num: number, den: number, zd: number): number {
  return den === 0 ? zd : num / den;
}

function resolveLabels(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, o: PrfOptions): number[] {
  const present = uniqueLabels(yTrue, yPred);
  if ((o.average === undefined ? 'binary' : o.average) !== 'binary') return o.labels ?? present;
  const posLabel = o.posLabel ?? 1;
  if (present.length > 2) {
    throw invalidArgument(
      `target is multiclass (${present.length} labels) but average='binary'; choose average 'micro', 'macro' or 'weighted'`,
    );
  }
  if (!present.includes(posLabel) && present.length >= 2) {
    throw invalidArgument(`posLabel=${posLabel} is not a valid label; it should be one of [${present.join(', ')}]`);
  }
  return [posLabel];
}

/** Precision, recall and F-beta together (sklearn's precision_recall_fscore_support). */
export function precisionRecallF(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: PrfOptions & { beta?: number } = {},
): PrfResult {
  checkPair(yTrue, yPred, 'precisionRecallF');
  const average = options.average === undefined ? 'binary' : options.average;
  const zd = options.zeroDivision ?? 0;
  const beta2 = (options.beta ?? 1) ** 2;
  const labels = resolveLabels(yTrue, yPred, options);
  const idx = new Map(labels.map((l, i) => [l, i]));
  const L = labels.length;
  const tp = new Float64Array(L);
  const predSum = new Float64Array(L);
  const trueSum = new Float64Array(L);
  for (let i = 0; i < yTrue.length; i++) {
    const t = idx.get(yTrue[i] as number);
    const p = idx.get(yPred[i] as number);
    if (t !== undefined) trueSum[t]! += 1;
    if (p !== undefined) predSum[p]! += 1;
    if (t !== undefined && t === p) tp[t]! += 1;
  }
  let tps = Array.from(tp);
  let preds = Array.from(predSum);
  let trues = Array.from(trueSum);
  if (average === 'micro') {
    const s = (a: number[]): number[] => [a.reduce((x, y) => x + y, 0)];
    tps = s(tps);
    preds = s(preds);
    trues = s(trues);
  }
  const precision = tps.map((t, i) => divide(t, preds[i] as number, zd));
  const recall = tps.map((t, i) => divide(t, trues[i] as number, zd));
  const f = precision.map((p, i) => {
    const r = recall[i] as number;
    const den = beta2 * p + r;
    return den === 0 ? 0 : ((1 + beta2) * p * r) / den;
  });
  if (average === null) return { precision, recall, f1: f, support: trues };
  if (average === 'weighted') {
    const wsum = trues.reduce((x, y) => x + y, 0);
    if (wsum === 0) {
      // sklearn: no true sample of any selected label.
      const z = zd;
      return preds.reduce((x, y) => x + y, 0) === 0 ? { precision: z, recall: z, f1: z } : { precision: 0, recall: z, f1: 0 };
    }
    const w = (a: number[]): number => a.reduce((s, v, i) => s + v * (trues[i] as number), 0) / wsum;
    return { precision: w(precision), recall: w(recall), f1: w(f) };
  }
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  return { precision: mean(precision), recall: mean(recall), f1: mean(f) };
}

/** tp / (tp + fp). See PrfOptions for average and zeroDivision. */
export function precision(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: PrfOptions = {}): number | number[] {
  return precisionRecallF(yTrue, yPred, options).precision;
}

/** tp / (tp + fn). */
export function recall(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: PrfOptions = {}): number | number[] {
  return precisionRecallF(yTrue, yPred, options).recall;
}

/** Harmonic mean of precision and recall (per label, then averaged as requested). */
export function f1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, options: PrfOptions = {}): number | number[] {
  return precisionRecallF(yTrue, yPred, options).f1;
}
