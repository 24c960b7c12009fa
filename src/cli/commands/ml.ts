/**
 * `lep ml evaluate` (fit kNN, a decision tree or k-means on a train CSV, score a test CSV) and
 * `lep ml metrics` (scores from a labels CSV and a scores CSV). Both print JSON; bad CSVs are a
 * one-line LEPTON_ERR_CSV error with exit code 2.
 */
import { type Command } from 'commander';
import { invalidArgument, LeptonError } from '../../core/errors.js';
import { readCsv, writeCsv, type CsvTable } from '../../data/csv.js';
import * as ml from '../../ml/index.js';
import { out, runCommand } from '../output.js';
import { parsePosInt } from '../options.js';

interface EvalFlags {
  algo: string;
  train: string;
  test: string;
  k?: string;
  maxDepth?: string;
  criterion: string;
  label?: string;
  weights: string;
  metric: string;
  seed: string;
  out?: string;
  importances?: string;
  repeats?: string;
}

function classifierReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: string[]): Record<string, unknown> {
  const prf = ml.metrics.precisionRecallF(yTrue, yPred, { average: 'macro' });
  const labels = classes.map((_, i) => i);
  return {
    accuracy: ml.metrics.accuracy(yTrue, yPred),
    precisionMacro: prf.precision as number,
    recallMacro: prf.recall as number,
    f1Macro: prf.f1 as number,
    labels: classes,
    confusionMatrix: ml.metrics.confusionMatrix(yTrue, yPred, labels),
  };
}

/** Map the test labels onto the train table's classes (unseen test labels get new indices). */
function alignLabels(train: CsvTable, test: CsvTable): { yTest: Int32Array; classes: string[] } {
  const classes = [...train.classes];
  const index = new Map(classes.map((c, i) => [c, i]));
  const yTest = Int32Array.from(test.yEncoded, (e) => {
    const name = test.classes[e] as string;
    let i = index.get(name);
    if (i === undefined) {
      i = classes.length;
      classes.push(name);
      index.set(name, i);
    }
    return i;
  });
  return { yTest, classes };
}

/**
 * Feature importances, ranked: 'impurity' (a tree's normalised impurity decrease, sklearn's
 * feature_importances_) or 'permutation' (accuracy drop on the test set, any classifier).
 */
function importances(kind: string, model: ml.KNNClassifier | ml.DecisionTreeClassifier, names: string[], Xte: ml.Matrix, yTest: Int32Array, f: EvalFlags): Record<string, unknown> {
  if (kind === 'impurity') {
    if (!(model instanceof ml.DecisionTreeClassifier)) throw invalidArgument('--importances impurity needs --algo tree; use permutation for knn');
    const v = model.featureImportances;
    return { kind, ranked: ml.rankFeatures(v).map((i) => ({ feature: names[i], importance: v[i] })) };
  }
  const repeats = parsePosInt(f.repeats, '--repeats') ?? 5;
  const r = ml.permutationImportance(model, Xte, yTest, { repeats, seed: Number(f.seed) || 0, scoring: 'accuracy' });
  return {
    kind,
    scoring: 'accuracy',
    repeats,
    baseline: r.baseline,
    ranked: ml.rankFeatures(r.importancesMean).map((i) => ({ feature: names[i], importance: r.importancesMean[i], std: r.importancesStd[i] })),
  };
}

async function evaluate(f: EvalFlags): Promise<void> {
  const algo = f.algo;
  if (!['knn', 'tree', 'kmeans'].includes(algo)) throw invalidArgument(`--algo must be knn, tree or kmeans, got ${JSON.stringify(algo)}`);
  if (f.importances !== undefined && !['impurity', 'permutation'].includes(f.importances)) throw invalidArgument(`--importances must be impurity or permutation, got ${JSON.stringify(f.importances)}`);
  if (f.importances !== undefined && algo === 'kmeans') throw invalidArgument('--importances needs a classifier (--algo knn or tree)');
  const opts = f.label === undefined ? {} : { label: f.label };
  const train = readCsv(f.train, opts);
  const test = readCsv(f.test, opts);
  if (train.d !== test.d) {
    throw new LeptonError('LEPTON_ERR_CSV', `${f.test} has ${test.d} feature columns, ${f.train} has ${train.d}`);
  }
  const Xtr = { data: train.X, rows: train.n, cols: train.d };
  const Xte = { data: test.X, rows: test.n, cols: test.d };
  const { yTest, classes } = alignLabels(train, test);
  let pred: ArrayLike<number>;
  let report: Record<string, unknown>;
  if (algo === 'kmeans') {
    const k = parsePosInt(f.k, '--k') ?? train.classes.length;
    const km = new ml.KMeans({ k, seed: Number(f.seed) || 0, nInit: 10 }).fit(Xtr);
    pred = km.predict(Xte);
    report = {
      algo,
      k,
      inertia: -km.score(Xte),
      trainInertia: km.inertia,
      adjustedRandIndex: ml.metrics.adjustedRandScore(yTest, pred),
    };
  } else {
    let model: ml.KNNClassifier | ml.DecisionTreeClassifier;
    if (algo === 'knn') {
      model = new ml.KNNClassifier({ k: parsePosInt(f.k, '--k') ?? 5, weights: f.weights as 'uniform', metric: f.metric as ml.Metric });
    } else {
      if (f.criterion !== 'gini' && f.criterion !== 'entropy') throw invalidArgument(`--criterion must be gini or entropy, got ${JSON.stringify(f.criterion)}`);
      model = new ml.DecisionTreeClassifier({ maxDepth: parsePosInt(f.maxDepth, '--max-depth') ?? null, criterion: f.criterion });
    }
    model.fit(Xtr, train.yEncoded);
    pred = model.predict(Xte);
    report = { algo, ...classifierReport(yTest, pred, classes) };
    if (f.importances !== undefined) report['importances'] = importances(f.importances, model, train.featureNames, Xte, yTest, f);
  }
  report = { ...report, train: { file: f.train, rows: train.n, features: train.d }, test: { file: f.test, rows: test.n } };
  if (f.out) {
    const names = algo === 'kmeans' ? null : classes;
    writeCsv(f.out, ['prediction'], Array.from(pred, (p) => [names ? (names[p] as string) : p]));
    report['predictions'] = f.out;
  }
  out.json(report);
}

function column(t: CsvTable, file: string): Float64Array {
  if (t.d !== 0) throw new LeptonError('LEPTON_ERR_CSV', `${file}: expected a single column, found ${t.d + 1}`);
  if (!t.yNumeric) throw new LeptonError('LEPTON_ERR_CSV', `${file}: values must be numbers`);
  return t.y;
}

function metricsCommand(f: { yTrue: string; yScore: string; threshold: string; posLabel: string }): void {
  const yTrue = column(readCsv(f.yTrue), f.yTrue);
  const yScore = column(readCsv(f.yScore), f.yScore);
  if (yTrue.length !== yScore.length) throw new LeptonError('LEPTON_ERR_CSV', `${f.yTrue} has ${yTrue.length} rows, ${f.yScore} has ${yScore.length}`);
  const threshold = Number(f.threshold);
  const pos = Number(f.posLabel);
  if (!Number.isFinite(threshold) || !Number.isFinite(pos)) throw invalidArgument('--threshold and --pos-label must be numbers');
  const labels = [...new Set(yTrue)].sort((a, b) => a - b);
  if (labels.length > 2) throw invalidArgument(`${f.yTrue} has ${labels.length} classes; lep ml metrics scores binary labels`);
  const neg = labels.find((l) => l !== pos) ?? (pos === 1 ? 0 : 1);
  const yPred = Float64Array.from(yScore, (s) => (s >= threshold ? pos : neg));
  const bin = ml.metrics.precisionRecallF(yTrue, yPred, { average: 'binary', posLabel: pos });
  const mac = ml.metrics.precisionRecallF(yTrue, yPred, { average: 'macro' });
  const single = labels.length < 2;
  out.json({
    n: yTrue.length,
    threshold,
    accuracy: ml.metrics.accuracy(yTrue, yPred),
    precision: bin.precision as number,
    recall: bin.recall as number,
    f1: bin.f1 as number,
    precisionMacro: mac.precision as number,
    recallMacro: mac.recall as number,
    f1Macro: mac.f1 as number,
    // Undefined with a single class (as in sklearn): reported as null rather than an error.
    rocAuc: single ? null : ml.metrics.rocAuc(yTrue, yScore, { posLabel: pos }),
    averagePrecision: ml.metrics.averagePrecision(yTrue, yScore, pos),
  });
}

export function register(program: Command): void {
  const cmd = program.command('ml').description('classic ML on CSV files: evaluate kNN, trees and k-means; compute metrics');
  cmd
    .command('evaluate')
    .description('fit on --train, score on --test, print JSON (accuracy, macro P/R/F1, confusion matrix; k-means: inertia and ARI)')
    .requiredOption('--algo <name>', 'knn | tree | kmeans')
    .requiredOption('--train <csv>', 'training CSV with a header row')
    .requiredOption('--test <csv>', 'test CSV with the same columns')
    .option('--k <n>', 'neighbours (knn, default 5) or clusters (kmeans, default: number of classes)')
    .option('--max-depth <d>', 'tree depth limit (default unlimited)')
    .option('--criterion <c>', 'tree split criterion: gini | entropy', 'gini')
    .option('--weights <w>', 'knn vote weights: uniform | distance', 'uniform')
    .option('--metric <m>', 'knn distance: euclidean | cosine | manhattan', 'euclidean')
    .option('--label <column>', 'label column name (default: the last column)')
    .option('--seed <n>', 'k-means seed', '0')
    .option('--out <csv>', 'write the test predictions here')
    .option('--importances <kind>', 'also report ranked feature importances: impurity (tree) | permutation (test-set accuracy drop)')
    .option('--repeats <n>', 'permutation importance: shuffles per feature', '5')
    .action((flags: EvalFlags) => runCommand(() => evaluate(flags)));
  cmd
    .command('metrics')
    .description('binary metrics from true labels and scores: accuracy, precision, recall, F1 (binary and macro), ROC AUC, average precision')
    .requiredOption('--y-true <csv>', 'one column of 0/1 labels (header row first)')
    .requiredOption('--y-score <csv>', 'one column of scores, higher = more positive')
    .option('--threshold <x>', 'score at or above which a prediction is positive', '0.5')
    .option('--pos-label <v>', 'the positive label', '1')
    .action((flags: { yTrue: string; yScore: string; threshold: string; posLabel: string }) => runCommand(() => metricsCommand(flags)));
}
