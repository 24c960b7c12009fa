/**
 * The main job's default model: the `mnist` photon. On first use it trains the default MLP on the
 * real MNIST (60k train images; cached under `<home>/models/mnist-mlp-<key>`), then registers it as
 * a photon with 28×28 grayscale preprocessing, labels 0–9, its training metrics and three real test
 * digits as examples. Later runs reuse it at once.
 *
 * The cache key hashes the training settings (dataset included), so a model trained by an older
 * release on other data (the 10k `mnist` package, which was `--dataset mnist` before) or with other
 * settings is never taken for this one: the new model is trained and added as the next version.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LeptonConfig } from '../core/config.js';
import { writeFileAtomic } from '../core/fs.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { createPhoton } from '../photon/create.js';
import { PhotonRegistry } from '../photon/registry.js';
import { runTrainJob } from './train-job.js';
import { loadMnist } from '../data/mnist.js';
import { datasetExamples, metricsBeside } from './photon-examples.js';

export const DEFAULT_PHOTON = 'mnist';

/**
 * Settings of the default model's training run: exactly the seed's setup (MLP 784-128-10, 5 epochs
 * of Adam 1e-3 at batch 32 on the real MNIST), exported as the weight average that `lep train`
 * keeps by default (src/nn/ema.ts): 98.08% on the 10k test set after about 12 s of training on a
 * quiet 2-core machine (2.3 s/epoch), under 40 s when busy.
 */
export const DEFAULT_TRAINING = {
  dataset: 'mnist', arch: 'mlp', epochs: 5, batchSize: 32, optimizer: 'adam', lr: 1e-3, augment: false, schedule: 'none', ema: 0.999, seed: 0,
} as const;

/** Short digest of the training settings: the cache folder's name, so changed settings retrain. */
export function defaultModelKey(settings: object = DEFAULT_TRAINING): string {
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** Which registry entry this cached model was packaged as (written beside model.onnx). */
interface PhotonMarker {
  name: string;
  version: string;
  sha256: string;
}

function readMarker(path: string): PhotonMarker | undefined {
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<PhotonMarker>;
    return typeof m.name === 'string' && typeof m.version === 'string' && typeof m.sha256 === 'string' ? (m as PhotonMarker) : undefined;
  } catch {
    return undefined; // absent or unreadable: package the model again
  }
}

export async function ensureDefaultPhoton(config: LeptonConfig, progress: ProgressSink = noProgress): Promise<{ name: string; version: string }> {
  const registry = new PhotonRegistry({ home: config.home });
  const dir = join(config.home, 'models', `mnist-mlp-${defaultModelKey()}`);
  const markerPath = join(dir, 'photon.json');
  const marker = readMarker(markerPath);
  if (marker?.name === DEFAULT_PHOTON) {
    const entry = registry.list().find((p) => p.name === DEFAULT_PHOTON)?.versions.find((v) => v.version === marker.version);
    if (entry?.sha256 === marker.sha256) return { name: DEFAULT_PHOTON, version: marker.version };
  }

  const modelPath = join(dir, 'model.onnx');
  if (!existsSync(modelPath)) runTrainJob({ ...DEFAULT_TRAINING, outDir: dir, progress });
  const labels = Array.from({ length: 10 }, (_, i) => String(i));
  const metrics = metricsBeside(modelPath);
  const { archive } = await createPhoton({
    name: DEFAULT_PHOTON,
    version: registry.nextVersion(DEFAULT_PHOTON),
    model: readFileSync(modelPath),
    labels,
    image: { width: 28, height: 28, channels: 1, normalize: 'unit' },
    description: 'MLP 784-128-10 digit classifier trained by Lepton TS on MNIST (60k train images)',
    // the playground's examples: real test digits (the first three classes the test set shows)
    // (read uncached: the 60k training images need not stay in the platform's memory)
    examples: datasetExamples(loadMnist({ cache: false }).test, 3, labels),
    ...(metrics ? { metrics } : {}),
  });
  const entry = await registry.add(archive);
  const next: PhotonMarker = { name: DEFAULT_PHOTON, version: entry.version, sha256: entry.sha256 };
  writeFileAtomic(markerPath, JSON.stringify(next) + '\n');
  return { name: DEFAULT_PHOTON, version: entry.version };
}
