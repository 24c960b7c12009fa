/**
 * Build a photon from a model: derive the input/output schema from the ONNX graph, check the
 * options against it (labels vs classes, image size vs input shape, the rules of validate.ts that
 * every upload passes too), then write the manifest and pack.
 */
import { LeptonError } from '../core/errors.js';
import { packPhoton, sha256Hex } from './archive.js';
import {
  DEFAULT_BATCHING,
  MANIFEST_SCHEMA,
  validateManifest,
  type BatchingSettings,
  type ImagePreprocess,
  type PhotonExample,
  type PhotonManifest,
  type Provenance,
  type TensorSpec,
} from './manifest.js';
import { checkSchema, imageFitProblem, labelsProblem, parsePhotonModel } from './validate.js';

export interface CreatePhotonOptions {
  name: string;
  version: string;
  /** ONNX model bytes. */
  model: Uint8Array;
  labels?: string[];
  image?: ImagePreprocess;
  /** An ES module's source exporting a PhotonHandler, stored as `handler.mjs`. */
  handlerSource?: Uint8Array;
  batching?: Partial<BatchingSettings>;
  description?: string;
  /** The job that made the model (platform jobs record it). */
  provenance?: Provenance;
  /** What the model measured when trained (numbers from metrics.json). */
  metrics?: Record<string, number>;
  /** Example inputs the playground offers (one row of the first input each). */
  examples?: PhotonExample[];
  /** Creation time; default now. */
  created?: Date;
}

/** The numeric fields of a trainer's metrics.json (strings, lists and nulls left out). */
export function numericMetrics(raw: unknown): Record<string, number> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])).slice(0, 64));
}

/** Parse the CLI's `--image 28x28:gray` / `224x224:rgb` form. */
export function parseImageSpec(spec: string): ImagePreprocess {
  const m = /^(\d{1,5})x(\d{1,5})(?::(gray|grey|rgb))?$/i.exec(spec.trim());
  if (!m) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `--image '${spec}' is not WxH[:gray|rgb], e.g. 28x28:gray`);
  const channels = (m[3] ?? 'gray').toLowerCase() === 'rgb' ? 3 : 1;
  return { width: Number(m[1]), height: Number(m[2]), channels, normalize: 'unit' };
}

function fileEntry(path: string, data: Uint8Array): PhotonManifest['files'][number] {
  return { path, sha256: sha256Hex(data), bytes: data.length };
}

/** Build the manifest and the packed archive for a new photon. */
export async function createPhoton(options: CreatePhotonOptions): Promise<{ manifest: PhotonManifest; archive: Uint8Array }> {
  const graph = parsePhotonModel({ model: 'model.onnx' }, new Map([['model.onnx', options.model]])).graph;
  const inputs: TensorSpec[] = graph.inputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape }));
  const outputs: TensorSpec[] = graph.outputs.map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape }));
  // the flags' own mistakes first, worded for the CLI; the same rules as every upload (validate.ts)
  const image = options.image && inputs[0] ? imageFitProblem(options.image, inputs[0]) : undefined;
  if (image) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `--${image}`);
  const labels = options.labels && outputs[0] ? labelsProblem(options.labels, outputs[0]) : undefined;
  if (labels) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', labels);
  const files = new Map<string, Uint8Array>([['model.onnx', options.model]]);
  if (options.handlerSource) files.set('handler.mjs', options.handlerSource);
  const manifest: PhotonManifest = {
    schema: MANIFEST_SCHEMA,
    name: options.name,
    version: options.version,
    created: (options.created ?? new Date()).toISOString(),
    ...(options.description === undefined ? {} : { description: options.description }),
    model: 'model.onnx',
    files: [...files].map(([p, d]) => fileEntry(p, d)),
    inputs,
    outputs,
    ...(options.image ? { image: options.image } : {}),
    ...(options.labels ? { labels: options.labels } : {}),
    batching: { ...DEFAULT_BATCHING, ...options.batching },
    ...(options.handlerSource ? { handler: 'handler.mjs' } : {}),
    ...(options.provenance ? { provenance: options.provenance } : {}),
    ...(options.metrics && Object.keys(options.metrics).length > 0 ? { metrics: options.metrics } : {}),
    ...(options.examples && options.examples.length > 0 ? { examples: options.examples } : {}),
  };
  validateManifest(manifest);
  checkSchema(manifest, graph);
  return { manifest, archive: await packPhoton(manifest, files) };
}
