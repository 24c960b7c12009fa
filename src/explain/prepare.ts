/**
 * From what a user has (ONNX bytes, an optional image preprocessing spec, an image or numbers) to
 * what the methods take: the model's Differentiable with an image layout for heat maps and
 * occlusion, and one input sample. Shared by `lep explain` and the server's POST /explain.
 */
import { LeptonError, invalidArgument } from '../core/errors.js';
import { decodeImage } from '../data/image.js';
import { type Differentiable, imageDimsOf, sampleSize } from './differentiable.js';
import { heatmapPng } from './heatmap.js';
import { explain, type ExplainOptions, type Explanation } from './index.js';
import { onnxDifferentiable } from './onnx-differentiable.js';

/** The photon manifest's image block, structurally (explain sits below photon). */
export interface ImageSpec {
  width: number;
  height: number;
  channels: 1 | 3;
  normalize?: 'unit' | { mean: number[]; std: number[] };
}

/** A likely image layout for a flat input: a square of 1 or 3 channels (784 → 1×28×28). */
export function guessImageShape(size: number): [number, number, number] | undefined {
  for (const c of [1, 3]) {
    const s = Math.round(Math.sqrt(size / c));
    if (s > 1 && c * s * s === size) return [c, s, s];
  }
  return undefined;
}

/** Load ONNX bytes for explanation on the op table, laid out as `image` when given. */
export function explainerForOnnx(bytes: Uint8Array, image?: ImageSpec): Differentiable {
  const probe = onnxDifferentiable(bytes);
  const size = sampleSize(probe);
  let imageShape: [number, number, number] | undefined;
  if (image) {
    imageShape = [image.channels, image.height, image.width];
    if (imageShape[0] * imageShape[1] * imageShape[2] !== size) {
      throw invalidArgument(`the image settings (${image.channels}×${image.height}×${image.width}) do not match the model input [${probe.inputShape}]`);
    }
  } else if (probe.inputShape.length !== 3) {
    imageShape = guessImageShape(size);
  }
  return imageShape ? { ...probe, imageShape, forward: probe.forward } : probe;
}

/** Decode an image file into one sample of the model's layout. */
export async function imageSample(m: Differentiable, bytes: Uint8Array, image?: ImageSpec, limitInputPixels?: number): Promise<Float32Array> {
  const [c, h, w] = imageDimsOf(m);
  if (h === 1 || (c !== 1 && c !== 3)) throw new LeptonError('LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE', `the model input [${m.inputShape}] is not an image; send numbers`);
  return decodeImage(bytes, { width: w, height: h, channels: c, normalize: image?.normalize ?? 'unit', ...(limitInputPixels !== undefined && { limitInputPixels }) });
}

/** Numbers (flat or nested, or {"inputs": …} / {"input_data": …}) into one sample. */
export function numericSample(m: Differentiable, raw: unknown): Float32Array {
  const body = raw && typeof raw === 'object' && !Array.isArray(raw) ? ((raw as Record<string, unknown>)['inputs'] ?? (raw as Record<string, unknown>)['input_data']) : raw;
  if (!Array.isArray(body)) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `send the input as an array of numbers (or {"inputs": [...]})`);
  const flat = (body as unknown[]).flat(8);
  if (!flat.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', 'the input must hold only finite numbers');
  const size = sampleSize(m);
  if (flat.length !== size) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `explanations take one sample: [${m.inputShape}] = ${size} numbers, got ${flat.length}`);
  return Float32Array.from(flat as number[]);
}

/** Run a method and draw its heat map (null when the input is not image-shaped). */
export async function explainWithPicture(m: Differentiable, x: Float32Array, o: ExplainOptions): Promise<{ explanation: Explanation; png: Buffer | null }> {
  const explanation = explain(m, x, o);
  const [c, h] = explanation.dims;
  const png = h > 1 && (c === 1 || c === 3) ? await heatmapPng(x, explanation.attributions, explanation.dims) : null;
  return { explanation, png };
}
