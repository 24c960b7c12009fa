/**
 * A job's model registered as the next version of a photon: the image preprocessing and labels of
 * its dataset, and where it came from (job id, dataset, metrics) in the manifest's provenance.
 * Registrations run one at a time, so two jobs naming one photon get consecutive versions.
 */
import { readFileSync } from 'node:fs';
import { FASHION_MNIST_LABELS } from '../data/index.js';
import { createPhoton } from '../photon/create.js';
import { type PhotonRegistry } from '../photon/registry.js';
import { imageFitProblem, parsePhotonModel } from '../photon/validate.js';
import { type ImagePreprocess } from '../photon/manifest.js';

export interface JobPhoton {
  name: string;
  modelPath: string;
  dataset: string;
  metrics: Record<string, number>;
  jobId: string;
}

let chain: Promise<unknown> = Promise.resolve();

const IMAGE: ImagePreprocess = { width: 28, height: 28, channels: 1, normalize: 'unit' };

/**
 * The dataset's class names when the model has all ten classes (a `--classes 5-9` model gets
 * none), and 28×28 gray image input when the model's input takes it (a recurrent one may not).
 */
function servingOf(dataset: string, model: Uint8Array): { labels?: string[]; image?: ImagePreprocess } {
  const { inputs, outputs } = parsePhotonModel({ model: 'model.onnx' }, new Map([['model.onnx', model]])).graph;
  const labels = outputs[0]?.shape.at(-1) === 10 ? (dataset === 'fashion-mnist' ? [...FASHION_MNIST_LABELS] : Array.from({ length: 10 }, (_, i) => String(i))) : undefined;
  const image = inputs[0] && imageFitProblem(IMAGE, { name: inputs[0].name, dtype: inputs[0].dtype, shape: inputs[0].shape }) === undefined ? IMAGE : undefined;
  return { ...(labels ? { labels } : {}), ...(image ? { image } : {}) };
}

/** Register `p.modelPath` as `name@<next version>`; returns the ref. */
export function registerJobPhoton(registry: PhotonRegistry, p: JobPhoton): Promise<string> {
  const run = async (): Promise<string> => {
    const metrics = Object.entries(p.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(', ');
    const model = readFileSync(p.modelPath);
    const { archive } = await createPhoton({
      name: p.name,
      version: registry.nextVersion(p.name),
      model,
      ...servingOf(p.dataset, model),
      description: `trained by job ${p.jobId} on ${p.dataset}: ${metrics}`,
      provenance: { job: p.jobId, dataset: p.dataset, metrics: Object.fromEntries(Object.entries(p.metrics).filter(([, v]) => Number.isFinite(v))) },
    });
    const e = await registry.add(archive);
    return `${e.name}@${e.version}`;
  };
  const next = chain.then(run, run);
  chain = next.catch(() => {});
  return next;
}
