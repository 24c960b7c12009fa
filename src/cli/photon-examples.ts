/**
 * Example inputs and training metrics for a photon, gathered at packaging time (issue 18: the
 * console's playground offers a photon's examples; its photons page shows the metrics recorded
 * when the model was trained). Examples come from files (`lep photon create --example`: an image,
 * decoded with the photon's own preprocessing, or a JSON array of numbers) or from a dataset's test
 * split (the default photon carries a few real MNIST test digits).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { invalidArgument } from '../core/errors.js';
import { sampleSize, type ImageDataset } from '../data/dataset.js';
import { decodeImage } from '../data/image.js';
import { numericMetrics } from '../photon/create.js';
import type { ImagePreprocess, PhotonExample } from '../photon/manifest.js';

/** The first test sample of each of the first `n` classes met, in test-set order, labelled. */
export function datasetExamples(ds: ImageDataset, n: number, labels?: readonly string[]): PhotonExample[] {
  const per = sampleSize(ds);
  const out: PhotonExample[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < ds.n && out.length < n; i++) {
    const y = ds.y[i]!;
    if (seen.has(y)) continue;
    seen.add(y);
    const label = labels?.[y] ?? String(y);
    // 4 decimals: the manifest stays small (784 values ≈ 5 KB) and the answer is the same
    out.push({ name: `test image ${i} (a ${label})`, label, data: Array.from(ds.x.subarray(i * per, (i + 1) * per), (v) => Math.round(v * 1e4) / 1e4) });
  }
  return out;
}

/** `--example FILE`: an image (decoded as the photon's image settings say) or a JSON array of numbers. */
export async function exampleFromFile(path: string, image: ImagePreprocess | undefined): Promise<PhotonExample> {
  const name = basename(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw invalidArgument(`--example ${path}: cannot read it (${(err as Error).message})`);
  }
  if (extname(path).toLowerCase() === '.json') {
    let v: unknown;
    try {
      v = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw invalidArgument(`--example ${path}: not JSON`);
    }
    const flat = Array.isArray(v) ? v.flat(3) : [];
    if (flat.length === 0 || !flat.every((x) => typeof x === 'number' && Number.isFinite(x))) throw invalidArgument(`--example ${path}: must be a JSON array of numbers (one input row)`);
    return { name, data: flat as number[] };
  }
  if (!image) throw invalidArgument(`--example ${path}: an image example needs --image (how to decode it); or give a .json array of numbers`);
  const data = await decodeImage(bytes, { width: image.width, height: image.height, channels: image.channels, normalize: image.normalize ?? 'unit' });
  return { name, data: Array.from(data, (x) => Math.round(x * 1e4) / 1e4) };
}

/** The numbers of a trainer's metrics.json: `path` when given, else metrics.json beside the model (if any). */
export function metricsBeside(modelPath: string, path?: string): Record<string, number> | undefined {
  const file = path ?? join(dirname(modelPath), 'metrics.json');
  if (path === undefined && !existsSync(file)) return undefined;
  try {
    return numericMetrics(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw invalidArgument(`--metrics ${file}: cannot read it as JSON (${(err as Error).message})`);
  }
}
