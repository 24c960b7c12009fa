/**
 * Splitting data for evaluation: trainTestSplit (seeded shuffle, optional stratification with
 * sklearn's sizes: test = ⌈testSize·n⌉) and kFold (first n mod k folds one larger, as sklearn).
 */
import { Rng } from '../core/rng.js';
import { invalidArgument } from '../core/errors.js';
import { type Matrix, type MatrixLike, toMatrix, takeRows, encodeClasses } from './matrix.js';

export interface SplitOptions {
  /** Fraction (0, 1) or count of test rows. Default 0.25. */
  testSize?: number;
  /** Keep class proportions of these labels in both parts. */
  stratify?: ArrayLike<number>;
  /** Default true. */
  shuffle?: boolean;
  seed?: number;
}

export interface Split {
  train: Int32Array;
  test: Int32Array;
}

function testCount(n: number, testSize: number): number {
  const t = testSize < 1 ? Math.ceil(testSize * n) : testSize;
  if (!(testSize > 0) || !Number.isInteger(t) || t < 1 || t >= n) {
    throw invalidArgument(`testSize=${testSize} gives ${t} test rows out of ${n}; both parts must be non-empty`);
  }
  return t;
}

/** Row indices of a train/test split of n rows. */
export function splitIndices(n: number, o: SplitOptions = {}): Split {
  const nTest = testCount(n, o.testSize ?? 0.25);
  const rng = new Rng(o.seed ?? 0);
  if (!o.stratify) {
    if (o.shuffle === false) {
      const all = Int32Array.from({ length: n }, (_, i) => i);
      return { train: all.slice(0, n - nTest), test: all.slice(n - nTest) };
    }
    const p = rng.permutation(n);
    return { test: p.slice(0, nTest).sort(), train: p.slice(nTest).sort() };
  }
  if (o.stratify.length !== n) throw invalidArgument(`stratify has ${o.stratify.length} labels for ${n} rows`);
  if (o.shuffle === false) throw invalidArgument('stratified splitting requires shuffle');
  const { classes, encoded } = encodeClasses(o.stratify);
  const members: number[][] = classes.map(() => []);
  encoded.forEach((c, i) => (members[c] as number[]).push(i));
  if (members.some((m) => m.length < 2)) throw invalidArgument('stratify: every class needs at least 2 members');
  if (nTest < classes.length || n - nTest < classes.length) throw invalidArgument(`stratify: both parts need at least ${classes.length} rows (one per class)`);
  // Proportional allocation, remainders to the largest fractional parts (sklearn's _approximate_mode).
  const exact = members.map((m) => (m.length * nTest) / n);
  const alloc = exact.map(Math.floor);
  let left = nTest - alloc.reduce((a, b) => a + b, 0);
  const byFrac = exact.map((e, c) => [e - Math.floor(e), c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, c] of byFrac) {
    if (left === 0) break;
    if ((alloc[c] as number) < (members[c] as number[]).length - 1) {
      alloc[c]! += 1;
      left--;
    }
  }
  const test: number[] = [];
  const train: number[] = [];
  members.forEach((m, c) => {
    rng.shuffle(m);
    test.push(...m.slice(0, alloc[c]));
    train.push(...m.slice(alloc[c]));
  });
  return { train: Int32Array.from(train).sort(), test: Int32Array.from(test).sort() };
}

/** sklearn-style train_test_split of X and y. */
export function trainTestSplit(X: MatrixLike, y: ArrayLike<number>, o: SplitOptions = {}): { XTrain: Matrix; XTest: Matrix; yTrain: Float64Array; yTest: Float64Array } & Split {
  const m = toMatrix(X);
  if (y.length !== m.rows) throw invalidArgument(`y has ${y.length} values for ${m.rows} rows`);
  const s = splitIndices(m.rows, o);
  const pick = (idx: Int32Array): Float64Array => Float64Array.from(idx, (i) => y[i] as number);
  return { ...s, XTrain: takeRows(m, s.train), XTest: takeRows(m, s.test), yTrain: pick(s.train), yTest: pick(s.test) };
}

/** k folds of n rows: each row is in exactly one test fold. */
export function kFold(n: number, o: { k?: number; shuffle?: boolean; seed?: number } = {}): Split[] {
  const k = o.k ?? 5;
  if (!Number.isInteger(k) || k < 2 || k > n) throw invalidArgument(`kFold: k must be an integer in [2, ${n}], got ${k}`);
  const order = o.shuffle ? new Rng(o.seed ?? 0).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const folds: Split[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test = order.slice(start, start + size).sort();
    const train = Int32Array.from([...order.slice(0, start), ...order.slice(start + size)]).sort();
    folds.push({ train, test });
    start += size;
  }
  return folds;
}
