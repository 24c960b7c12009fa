/**
 * DecisionTreeClassifier / DecisionTreeRegressor with scikit-learn's parameters and attributes:
 * criterion, maxDepth, minSamplesSplit, minSamplesLeaf, featureImportances, text export and JSON.
 * Split ties between features go to the lowest feature index (sklearn breaks them at random).
 */
import { LeptonError, invalidArgument } from '../../core/errors.js';
import { type Matrix, type MatrixLike, type Labels, toMatrix, toLabels, encodeClasses, checkCols, notFitted, checkKind } from '../matrix.js';
import { growTree, type Criterion, type TreeArrays } from './cart.js';
import { exportText, type ExportTextOptions } from './export-text.js';

export interface TreeOptions {
  /** Classifier: 'gini' (default) or 'entropy'. Regressor: 'squared_error'. */
  criterion?: Criterion;
  /** Default unlimited. */
  maxDepth?: number | null;
  /** Minimum samples to split a node. Default 2. */
  minSamplesSplit?: number;
  /** Minimum samples in each leaf. Default 1. */
  minSamplesLeaf?: number;
}

abstract class TreeBase {
  readonly criterion: Criterion;
  readonly maxDepth: number | null;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  /** The fitted tree (sklearn's tree_). */
  tree: TreeArrays | null = null;
  nFeatures = 0;

  constructor(o: TreeOptions, defaultCriterion: Criterion, allowed: Criterion[]) {
    this.criterion = o.criterion ?? defaultCriterion;
    this.maxDepth = o.maxDepth ?? null;
    this.minSamplesSplit = o.minSamplesSplit ?? 2;
    this.minSamplesLeaf = o.minSamplesLeaf ?? 1;
    if (!allowed.includes(this.criterion)) throw invalidArgument(`criterion must be one of ${allowed.join(', ')}, got ${String(this.criterion)}`);
    if (this.maxDepth !== null && (!Number.isInteger(this.maxDepth) || this.maxDepth < 1)) {
      throw invalidArgument(`maxDepth must be a positive integer or null, got ${this.maxDepth}`);
    }
    if (!Number.isInteger(this.minSamplesSplit) || this.minSamplesSplit < 2) throw invalidArgument('minSamplesSplit must be an integer ≥ 2');
    if (!Number.isInteger(this.minSamplesLeaf) || this.minSamplesLeaf < 1) throw invalidArgument('minSamplesLeaf must be an integer ≥ 1');
  }

  protected grow(X: Matrix, y: ArrayLike<number>, C: number): void {
    this.nFeatures = X.cols;
    this.tree = growTree(X, y, C, {
      criterion: this.criterion,
      maxDepth: this.maxDepth ?? Infinity,
      minSamplesSplit: this.minSamplesSplit,
      minSamplesLeaf: this.minSamplesLeaf,
    });
  }

  /** Leaf node id reached by each row. */
  apply(X: MatrixLike): Int32Array {
    const t = this.tree;
    if (!t) throw notFitted(this.constructor.name);
    const m = toMatrix(X);
    checkCols(m, this.nFeatures, this.constructor.name);
    const out = new Int32Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      let node = 0;
      while ((t.left[node] as number) >= 0) {
        const f = t.feature[node] as number;
        node = (m.data[i * m.cols + f] as number) <= (t.threshold[node] as number) ? (t.left[node] as number) : (t.right[node] as number);
      }
      out[i] = node;
    }
    return out;
  }

  /** Normalised total impurity decrease per feature (sums to 1 unless the tree is a single leaf). */
  get featureImportances(): number[] {
    if (!this.tree) throw notFitted(this.constructor.name);
    const imp = this.tree.importance.map((v) => v / (this.tree!.nSamples[0] as number));
    const s = imp.reduce((a, b) => a + b, 0);
    return s > 0 ? imp.map((v) => v / s) : imp;
  }

  /** Depth of the deepest leaf (root alone = 0). */
  get depth(): number {
    const t = this.tree;
    if (!t) throw notFitted(this.constructor.name);
    const depthOf = (node: number): number => ((t.left[node] as number) < 0 ? 0 : 1 + Math.max(depthOf(t.left[node] as number), depthOf(t.right[node] as number)));
    return depthOf(0);
  }

  get nLeaves(): number {
    if (!this.tree) throw notFitted(this.constructor.name);
    return this.tree.left.filter((l) => l < 0).length;
  }

  protected baseJSON(kind: string): Record<string, unknown> {
    if (!this.tree) throw notFitted(kind);
    return { kind, criterion: this.criterion, maxDepth: this.maxDepth, minSamplesSplit: this.minSamplesSplit, minSamplesLeaf: this.minSamplesLeaf, nFeatures: this.nFeatures, tree: this.tree };
  }

  protected restore(o: Record<string, unknown>): void {
    const t = o['tree'] as TreeArrays | undefined;
    const keys = ['feature', 'threshold', 'left', 'right', 'impurity', 'nSamples', 'value'] as const;
    if (!t || typeof t !== 'object' || !keys.every((k) => Array.isArray(t[k]) && t[k].length === t.feature.length) || !Array.isArray(t.importance)) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'tree model: missing or inconsistent node arrays');
    }
    const nodes = t.feature.length;
    const nf = o['nFeatures'];
    if (typeof nf !== 'number' || nodes === 0) throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'tree model: bad nFeatures or empty tree');
    for (let i = 0; i < nodes; i++) {
      const l = t.left[i] as number;
      const r = t.right[i] as number;
      const f = t.feature[i] as number;
      const internal = l >= 0;
      if (internal && (!(l > i && l < nodes && r > i && r < nodes) || f < 0 || f >= nf)) {
        throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `tree model: node ${i} has invalid children or feature`);
      }
    }
    this.nFeatures = nf;
    this.tree = t;
  }
}

/** CART classifier (Gini or entropy). */
export class DecisionTreeClassifier extends TreeBase {
  classes: number[] = [];

  constructor(o: TreeOptions = {}) {
    super(o, 'gini', ['gini', 'entropy']);
  }

  fit(X: MatrixLike, y: Labels): this {
    const m = toMatrix(X);
    const { classes, encoded } = encodeClasses(toLabels(y, m.rows));
    this.classes = classes;
    this.grow(m, encoded, classes.length);
    return this;
  }

  /** Class probabilities [n][C]: the training class fractions of each row's leaf. */
  predictProba(X: MatrixLike): number[][] {
    const leaves = this.apply(X);
    return Array.from(leaves, (leaf) => {
      const v = this.tree!.value[leaf] as number[];
      const s = v.reduce((a, b) => a + b, 0);
      return v.map((c) => c / s);
    });
  }

  predict(X: MatrixLike): Float64Array {
    const leaves = this.apply(X);
    return Float64Array.from(leaves, (leaf) => {
      const v = this.tree!.value[leaf] as number[];
      let best = 0;
      for (let c = 1; c < v.length; c++) if ((v[c] as number) > (v[best] as number)) best = c;
      return this.classes[best] as number;
    });
  }

  /** Text rules in the format of sklearn.tree.export_text. */
  exportText(options: ExportTextOptions = {}): string {
    if (!this.tree) throw notFitted('DecisionTreeClassifier');
    return exportText(this.tree, { ...options, classNames: options.classNames ?? this.classes.map(String) });
  }

  toJSON(): Record<string, unknown> {
    return { ...this.baseJSON('DecisionTreeClassifier'), classes: this.classes };
  }

  static fromJSON(json: unknown): DecisionTreeClassifier {
    const o = checkKind(json, 'DecisionTreeClassifier');
    const m = new DecisionTreeClassifier(o as TreeOptions);
    m.restore(o);
    m.classes = (o['classes'] as number[]) ?? [];
    if (!m.tree!.value.every((v) => v.length === m.classes.length)) throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'tree model: class counts do not match classes');
    return m;
  }
}

/** CART regressor (squared error). */
export class DecisionTreeRegressor extends TreeBase {
  constructor(o: TreeOptions = {}) {
    super(o, 'squared_error', ['squared_error']);
  }

  fit(X: MatrixLike, y: Labels): this {
    const m = toMatrix(X);
    this.grow(m, toLabels(y, m.rows), 0);
    return this;
  }

  predict(X: MatrixLike): Float64Array {
    const leaves = this.apply(X);
    return Float64Array.from(leaves, (leaf) => (this.tree!.value[leaf] as number[])[0] as number);
  }

  exportText(options: ExportTextOptions = {}): string {
    if (!this.tree) throw notFitted('DecisionTreeRegressor');
    return exportText(this.tree, options);
  }

  toJSON(): Record<string, unknown> {
    return this.baseJSON('DecisionTreeRegressor');
  }

  static fromJSON(json: unknown): DecisionTreeRegressor {
    const o = checkKind(json, 'DecisionTreeRegressor');
    const m = new DecisionTreeRegressor(o as TreeOptions);
    m.restore(o);
    return m;
  }
}
