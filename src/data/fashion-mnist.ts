/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` package (four gzipped IDX files).
 * The folder is a parameter so tests can point at generated files; parsed splits are cached
 * per process because decoding 60k images costs a few hundred milliseconds.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { validateImageDataset, type DatasetSplit, type ImageDataset } from './dataset.js';
import { readIdx, type IdxArray } from './idx.js';

/** Where Debian's `dataset-fashion-mnist` installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_LABELS = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export interface FashionMnistOptions {
  /** Folder holding the four IDX files (`.gz` or plain). Default FASHION_MNIST_DIR. */
  dir?: string;
  /** Keep parsed splits in memory for later calls in this process. Default true. */
  cache?: boolean;
}

const cache = new Map<string, DatasetSplit>();

/** Find `<dir>/<base>.gz`, or the uncompressed `<dir>/<base>`. */
function locate(dir: string, base: string): string | undefined {
  for (const p of [join(dir, `${base}.gz`), join(dir, base)]) if (existsSync(p)) return p;
  return undefined;
}

/**
 * Build an ImageDataset from an IDX image array [n, h, w] (ubyte) and label array [n] (ubyte).
 * Pixels are scaled to [0, 1]. Inconsistent pairs → LEPTON_ERR_CORRUPT_FILE.
 */
export function imageDatasetFromIdx(
  name: string,
  images: IdxArray,
  labels: IdxArray,
  classNames: string[],
  files: { images: string; labels: string } = { images: 'images', labels: 'labels' },
): ImageDataset {
  const corrupt = (file: string, m: string): LeptonError => new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${file}: ${m}`);
  if (images.dtype !== 'ubyte' || images.dims.length !== 3) {
    throw corrupt(files.images, `expected a ubyte image array [n, h, w], got ${images.dtype} [${images.dims.join(', ')}]`);
  }
  if (labels.dtype !== 'ubyte' || labels.dims.length !== 1) {
    throw corrupt(files.labels, `expected a ubyte label array [n], got ${labels.dtype} [${labels.dims.join(', ')}]`);
  }
  const [n, h, w] = images.dims as [number, number, number];
  if (labels.dims[0] !== n) throw corrupt(files.labels, `${labels.dims[0]} labels for ${n} images in ${files.images}`);
  const x = new Float32Array(images.data.length); // [n, 1, h, w]
  const src = images.data;
  for (let i = 0; i < src.length; i++) x[i] = (src[i] as number) / 255;
  const y = Int32Array.from(labels.data);
  for (let i = 0; i < n; i++) {
    if ((y[i] as number) >= classNames.length) {
      throw corrupt(files.labels, `label ${y[i]} of sample ${i} is not a class (expected 0..${classNames.length - 1})`);
    }
  }
  const ds: ImageDataset = { name, x, y, n, shape: [1, h, w], numClasses: classNames.length, labels: [...classNames] };
  validateImageDataset(ds);
  return ds;
}

/**
 * Load Fashion-MNIST's train (60k) and test (10k) splits. A missing folder or file gives
 * LEPTON_ERR_DATASET_MISSING with the apt command that installs it.
 */
export function loadFashionMnist(opts: FashionMnistOptions = {}): DatasetSplit {
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  if (typeof dir !== 'string' || dir === '') throw invalidArgument('loadFashionMnist: dir must be a non-empty path');
  const paths = Object.fromEntries(
    Object.entries(FILES).map(([k, base]) => [k, locate(dir, base)]),
  ) as Record<keyof typeof FILES, string | undefined>;
  const missing = Object.entries(paths).filter(([, p]) => p === undefined).map(([k]) => FILES[k as keyof typeof FILES]);
  if (missing.length > 0) {
    throw new LeptonError(
      'LEPTON_ERR_DATASET_MISSING',
      `fashion-mnist not found in ${dir} (missing ${missing.map((m) => `${m}.gz`).join(', ')}); ` +
        'install it with `apt-get install dataset-fashion-mnist` or pass the folder that holds the IDX files',
      { details: { dir, missing } },
    );
  }
  const p = paths as Record<keyof typeof FILES, string>;
  const key = Object.values(p).map((f) => `${f}:${statSync(f).mtimeMs}`).join('|');
  const hit = cache.get(key);
  if (hit && opts.cache !== false) return hit;

  const split: DatasetSplit = {
    train: imageDatasetFromIdx('fashion-mnist/train', readIdx(p.trainImages), readIdx(p.trainLabels), FASHION_MNIST_LABELS, {
      images: p.trainImages,
      labels: p.trainLabels,
    }),
    test: imageDatasetFromIdx('fashion-mnist/test', readIdx(p.testImages), readIdx(p.testLabels), FASHION_MNIST_LABELS, {
      images: p.testImages,
      labels: p.testLabels,
    }),
  };
  if (split.train.shape[1] !== split.test.shape[1] || split.train.shape[2] !== split.test.shape[2]) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${p.testImages}: image size differs from ${p.trainImages}`);
  }
  if (opts.cache !== false) cache.set(key, split);
  return split;
}
