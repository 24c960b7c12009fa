/**
 * Does a photon's model match what its manifest promises? The one check `lep photon create` and every
 * upload (registry.add, so the API too) run: the model parses as ONNX, and inputs, outputs, image
 * preprocessing and labels agree with its graph. Catching this at upload beats replicas crash-looping.
 */
import { LeptonError } from '../core/errors.js';
import type { Dim, ValueInfo } from '../onnx/builder.js';
import { readModel, type OnnxModel } from '../onnx/reader.js';
import type { ImagePreprocess, PhotonManifest, TensorSpec } from './manifest.js';

type Schema = Pick<PhotonManifest, 'inputs' | 'outputs' | 'image' | 'labels'>;

const fmt = (shape: Dim[]): string => `[${shape.join(', ')}]`;

/** Why `image` preprocessing cannot feed `input` ([N, C, H, W] or [N, C*H*W]), or undefined when it fits. */
export function imageFitProblem(image: ImagePreprocess, input: TensorSpec): string | undefined {
  const fixed = input.shape.slice(1);
  if (!fixed.every((d): d is number => typeof d === 'number')) return undefined;
  const want = image.channels * image.width * image.height;
  const count = fixed.reduce((a, b) => a * b, 1);
  if (count === want) return undefined;
  return `image ${image.width}x${image.height}x${image.channels} gives ${want} values, but input '${input.name}' takes ${fmt(input.shape)}`;
}

/** Why `labels` do not name the classes of `output` (its last dimension), or undefined when they do. */
export function labelsProblem(labels: string[], output: TensorSpec): string | undefined {
  const classes = output.shape[output.shape.length - 1];
  if (typeof classes !== 'number' || labels.length === classes) return undefined;
  return `${labels.length} labels given, but output '${output.name}' has ${classes} classes`;
}

/**
 * A manifest dim may narrow a symbolic model dim (e.g. N → 1), but a fixed model dim must be
 * declared exactly: anything else is fed to the model and fails at inference.
 */
function tensorProblems(kind: 'input' | 'output', declared: TensorSpec[], actual: ValueInfo[]): string[] {
  const problems: string[] = [];
  const names = (l: Array<{ name: string }>): string => l.map((t) => `'${t.name}'`).join(', ');
  if (declared.length !== actual.length || declared.some((d, i) => d.name !== actual[i]!.name)) {
    return [`manifest ${kind}s ${names(declared)} are not the model's ${kind}s ${names(actual)}`];
  }
  declared.forEach((d, i) => {
    const a = actual[i]!;
    if (d.dtype !== a.dtype) problems.push(`${kind} '${d.name}' is ${a.dtype} in the model, not ${d.dtype}`);
    const fits = d.shape.length === a.shape.length && a.shape.every((dim, j) => typeof dim !== 'number' || d.shape[j] === dim);
    if (!fits) problems.push(`${kind} '${d.name}' has shape ${fmt(a.shape)} in the model, but the manifest declares ${fmt(d.shape)}`);
  });
  return problems;
}

/** Every disagreement between a manifest's schema and a parsed model graph (empty: they agree). */
export function schemaProblems(schema: Schema, graph: OnnxModel['graph']): string[] {
  const problems = [...tensorProblems('input', schema.inputs, graph.inputs), ...tensorProblems('output', schema.outputs, graph.outputs)];
  const image = schema.image && schema.inputs[0] ? imageFitProblem(schema.image, schema.inputs[0]) : undefined;
  if (image) problems.push(image);
  const labels = schema.labels && schema.outputs[0] ? labelsProblem(schema.labels, schema.outputs[0]) : undefined;
  if (labels) problems.push(labels);
  return problems;
}

/** Throw LEPTON_ERR_INTEGRITY (422) listing every schema problem. */
export function checkSchema(manifest: Schema & { name: string; version: string }, graph: OnnxModel['graph']): void {
  const problems = schemaProblems(manifest, graph);
  if (problems.length === 0) return;
  throw new LeptonError('LEPTON_ERR_INTEGRITY', `photon ${manifest.name}@${manifest.version} does not match its model: ${problems.join('; ')}`, {
    details: { problems },
  });
}

/** Parse the photon's model file: garbage → LEPTON_ERR_CORRUPT_FILE (422) naming the file. */
export function parsePhotonModel(manifest: Pick<PhotonManifest, 'model'>, files: Map<string, Uint8Array>): OnnxModel {
  const bytes = files.get(manifest.model);
  if (!bytes) throw new LeptonError('LEPTON_ERR_INTEGRITY', `the model file '${manifest.model}' is not in the photon`);
  try {
    return readModel(bytes);
  } catch (err) {
    const why = err instanceof LeptonError ? err.message : `not a valid ONNX model: ${(err as Error).message}`;
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `photon model '${manifest.model}' is unusable: ${why}; export it again (e.g. with lep train or torch.onnx.export)`, { cause: err });
  }
}

/** The whole check for an unpacked photon: its model parses and matches the manifest. */
export function validatePhoton(manifest: PhotonManifest, files: Map<string, Uint8Array>): OnnxModel {
  const model = parsePhotonModel(manifest, files);
  checkSchema(manifest, model.graph);
  return model;
}
