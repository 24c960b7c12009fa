/**
 * Datasets by name, for the CLI (`--dataset`) and the trainer: one entry point that validates the
 * name and forwards the loader options.
 */
import { invalidArgument } from '../core/errors.js';
import { take, type DatasetSplit } from './dataset.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadMnist } from './mnist.js';

export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface LoadDatasetOptions {
  /** fashion-mnist: folder with the IDX files (default /usr/share/datasets/fashion-mnist). */
  dir?: string;
  /** mnist: seed of the train/test split (default MNIST_SPLIT_SEED = 42). */
  seed?: number;
  /** mnist: held-out samples (default 2000). */
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
  const split =
    name === 'mnist'
      ? loadMnist({
          ...(opts.seed !== undefined && { seed: opts.seed }),
          ...(opts.testSize !== undefined && { testSize: opts.testSize }),
        })
      : loadFashionMnist(opts.dir !== undefined ? { dir: opts.dir } : {});
  return {
    train: opts.limitTrain !== undefined ? take(split.train, opts.limitTrain) : split.train,
    test: opts.limitTest !== undefined ? take(split.test, opts.limitTest) : split.test,
  };
}
