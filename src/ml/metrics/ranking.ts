/**
 * Threshold-free scores (ROC, precision-recall) following scikit-learn 1.2: tied scores form one
 * threshold (so ties earn half credit in AUC), the ROC curve starts at (0, 0) with threshold
 * max+1, and a single class in yTrue makes ROC AUC undefined (an error, as in sklearn).
 */
import { LeptonError, invalidArgument } from '../../core/errors.js';
import { uniqueLabels } from './classification.js';

export interface Curve {
  fps: number[];
  tps: number[];
  thresholds: number[];
}

function checkScores(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, who: string): void {
  if (!yTrue || !yScore || yTrue.length !== yScore.length) {
    throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `${who}: yTrue and yScore must have the same length`);
  }
  if (yTrue.length === 0) throw invalidArgument(`${who}: empty input`);
  for (let i = 0; i < yScore.length; i++) {
    if (!Number.isFinite(yScore[i])) throw invalidArgument(`${who}: yScore[${i}] is not a finite number`);
  }
}

function resolvePos(yTrue: ArrayLike<number>, posLabel: number | undefined, who: string): number {
  const labels = uniqueLabels(yTrue);
  if (labels.length > 2) throw invalidArgument(`${who}: yTrue has ${labels.length} classes; binary labels are required`);
  if (posLabel !== undefined) return posLabel;
  const ok = labels.every((l) => l === 0 || l === 1) || labels.every((l) => l === -1 || l === 1);
  if (!ok) throw invalidArgument(`${who}: yTrue labels are [${labels.join(', ')}]; pass posLabel explicitly`);
  return 1;
}

/** Cumulative (fps, tps) at each distinct score, highest score first (sklearn's _binary_clf_curve). */
export function binaryClfCurve(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, posLabel?: number): Curve {
  checkScores(yTrue, yScore, 'binaryClfCurve');
  const pos = resolvePos(yTrue, posLabel, 'binaryClfCurve');
  const n = yTrue.length;
  // Stable sort ascending, then read backwards: identical to numpy's argsort(mergesort)[::-1].
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (yScore[a] as number) - (yScore[b] as number));
  order.reverse();
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    if (yTrue[i] === pos) tp++;
    const next = order[r + 1];
    if (next === undefined || yScore[next] !== yScore[i]) {
      tps.push(tp);
      fps.push(r + 1 - tp);
      thresholds.push(yScore[i] as number);
    }
  }
  return { fps, tps, thresholds };
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

/** ROC curve; fpr (or tpr) is NaN throughout when there are no negatives (or positives). */
export function rocCurve(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number>,
  options: { posLabel?: number; dropIntermediate?: boolean } = {},
): RocCurve {
  let { fps, tps, thresholds } = binaryClfCurve(yTrue, yScore, options.posLabel);
  if ((options.dropIntermediate ?? true) && fps.length > 2) {
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      const d2f = (fps[i + 1] as number) - 2 * (fps[i] as number) + (fps[i - 1] as number);
      const d2t = (tps[i + 1] as number) - 2 * (tps[i] as number) + (tps[i - 1] as number);
      if (d2f !== 0 || d2t !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    fps = keep.map((i) => fps[i] as number);
    tps = keep.map((i) => tps[i] as number);
    thresholds = keep.map((i) => thresholds[i] as number);
  }
  tps = [0, ...tps];
  fps = [0, ...fps];
  thresholds = [(thresholds[0] as number) + 1, ...thresholds];
  const lastF = fps[fps.length - 1] as number;
  const lastT = tps[tps.length - 1] as number;
  return {
    fpr: fps.map((v) => (lastF <= 0 ? NaN : v / lastF)),
    tpr: tps.map((v) => (lastT <= 0 ? NaN : v / lastT)),
    thresholds,
  };
}

/** Area under a curve by the trapezoidal rule (x must be monotonic). */
export function auc(x: number[], y: number[]): number {
  if (x.length < 2 || x.length !== y.length) throw invalidArgument('auc: need at least 2 points with matching x and y');
  let s = 0;
  for (let i = 1; i < x.length; i++) s += ((x[i] as number) - (x[i - 1] as number)) * ((y[i] as number) + (y[i - 1] as number)) / 2;
  const increasing = (x[x.length - 1] as number) >= (x[0] as number);
  return increasing ? s : -s;
}

function binaryAuc(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, posLabel?: number): number {
  if (uniqueLabels(yTrue).length !== 2) {
    throw invalidArgument('rocAuc: only one class present in yTrue; ROC AUC is not defined in that case');
  }
  const { fpr, tpr } = rocCurve(yTrue, yScore, posLabel === undefined ? {} : { posLabel });
  return auc(fpr, tpr);
}

/**
 * ROC AUC. Binary: yScore is the positive-class score per sample. Multi-class: yScore is [n][C]
 * probabilities (rows sum to 1) and the result is the one-vs-rest macro average, as sklearn's
 * roc_auc_score(multi_class='ovr', average='macro').
 */
export function rocAuc(
  yTrue: ArrayLike<number>,
  yScore: ArrayLike<number> | ArrayLike<number>[],
  options: { posLabel?: number; labels?: number[] } = {},
): number {
  const first = yScore[0];
  if (typeof first === 'number' || first === undefined) return binaryAuc(yTrue, yScore as ArrayLike<number>, options.posLabel);
  const rows = yScore as ArrayLike<number>[];
  if (rows.length !== yTrue.length) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', 'rocAuc: yTrue and yScore lengths differ');
  const C = first.length;
  const labels = options.labels ?? uniqueLabels(yTrue);
  if (labels.length !== C) {
    throw invalidArgument(`rocAuc: yScore has ${C} columns but there are ${labels.length} classes; pass labels`);
  }
  if (C === 2) return binaryAuc(Array.from(yTrue, (v) => (v === labels[1] ? 1 : 0)), rows.map((r) => r[1] as number));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as ArrayLike<number>;
    let s = 0;
    for (let j = 0; j < C; j++) s += r[j] as number;
    if (r.length !== C || Math.abs(s - 1) > 1e-6) {
      throw invalidArgument('rocAuc: multi-class scores must be probabilities that sum to 1 over classes in each row');
    }
  }
  let total = 0;
  labels.forEach((label, c) => {
    total += binaryAuc(Array.from(yTrue, (v) => (v === label ? 1 : 0)), rows.map((r) => r[c] as number));
  });
  return total / C;
}

export interface PrCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
}

/** Precision-recall pairs for decreasing thresholds; ends at (recall 0, precision 1). */
export function precisionRecallCurve(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, posLabel?: number): PrCurve {
  const { fps, tps, thresholds } = binaryClfCurve(yTrue, yScore, posLabel);
  const last = tps[tps.length - 1] as number;
  const precision = tps.map((t, i) => (t + (fps[i] as number) === 0 ? 0 : t / (t + (fps[i] as number))));
  const recall = tps.map((t) => (last === 0 ? 1 : t / last));
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: [...thresholds].reverse(),
  };
}

/** Average precision: Σ (R_n − R_{n−1}) P_n, no interpolation (sklearn's average_precision_score). */
export function averagePrecision(yTrue: ArrayLike<number>, yScore: ArrayLike<number>, posLabel?: number): number {
  const labels = uniqueLabels(yTrue);
  const pos = posLabel ?? 1;
  if (labels.length === 2 && !labels.includes(pos)) {
    throw invalidArgument(`averagePrecision: posLabel=${pos} is not a valid label; it should be one of [${labels.join(', ')}]`);
  }
  const { precision, recall } = precisionRecallCurve(yTrue, yScore, pos);
  let s = 0;
  for (let i = 1; i < recall.length; i++) s -= ((recall[i] as number) - (recall[i - 1] as number)) * (precision[i - 1] as number);
  return s;
}
