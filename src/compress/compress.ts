/**
 * One entry point for every compression method: parse `int8-dynamic`, `int8-static`, `fp16`,
 * `prune:0.5`, `prune-structured:0.5`, `distill:mlp-64`; build the variant; optionally fine-tune;
 * measure it against the original; return the bytes and a report.
 */
import { invalidArgument } from '../core/errors.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { sampleSize, type ImageDataset } from '../data/index.js';
import { toFp16Weights } from '../onnx/fp16.js';
import { pruneStructured } from '../onnx/prune-structured.js';
import { pruneMagnitude } from '../onnx/prune.js';
import { quantizeDynamic } from '../onnx/quantize-dynamic.js';
import { quantizeStatic } from '../onnx/quantize-static.js';
import { readModel } from '../onnx/reader.js';
import { calibrate, type CalibrationMethod } from './calibrate.js';
import { fitGraph } from './fit.js';
import { GraphProgram } from './graph-program.js';
import { measureModel, type MeasureOptions, type ModelMetrics } from './measure.js';
import { predictAll, type ModelRunner } from './runner.js';
import { buildStudent, parseStudent } from './students.js';

export type CompressMethod =
  | { kind: 'int8-dynamic' }
  | { kind: 'int8-static' }
  | { kind: 'fp16' }
  | { kind: 'prune'; sparsity: number }
  | { kind: 'prune-structured'; ratio: number }
  | { kind: 'distill'; student: string };

export const METHOD_HELP = 'int8-dynamic | int8-static | fp16 | prune:<sparsity 0..1> | prune-structured:<ratio 0..1> | distill:<mlp-64|cnn-8-16…>';

export function parseMethod(text: string): CompressMethod {
  const [head, arg] = text.split(':', 2) as [string, string | undefined];
  const ratio = (): number => {
    const v = Number(arg);
    if (arg === undefined || !(v > 0 && v < 1)) throw invalidArgument(`method ${head} needs a fraction in (0, 1), e.g. ${head}:0.5; got '${text}'`);
    return v;
  };
  switch (head) {
    case 'int8-dynamic':
    case 'int8-static':
    case 'fp16':
      if (arg !== undefined) break;
      return { kind: head };
    case 'prune':
      return { kind: 'prune', sparsity: ratio() };
    case 'prune-structured':
      return { kind: 'prune-structured', ratio: ratio() };
    case 'distill':
      parseStudent(arg ?? '');
      return { kind: 'distill', student: arg! };
  }
  throw invalidArgument(`unknown compression method '${text}'; use ${METHOD_HELP}`);
}

export interface CompressOptions {
  runner: ModelRunner;
  model: Uint8Array;
  method: CompressMethod;
  train: ImageDataset;
  test: ImageDataset;
  /** Fine-tuning epochs after pruning (default 0); training epochs of a distilled student (default 5). */
  epochs?: number;
  /** Learning rate of fine-tuning/distillation. Default 1e-3 (fine-tune) / 2e-3 (distill). */
  lr?: number;
  calibration?: CalibrationMethod;
  calibrationSamples?: number;
  temperature?: number;
  alpha?: number;
  seed?: number;
  /** Skip measuring (the navigator measures on its own). Default false. */
  skipMeasure?: boolean;
  measure?: MeasureOptions;
  progress?: ProgressSink;
}

export interface CompressReport {
  method: string;
  dataset: string;
  original: ModelMetrics | null;
  variant: ModelMetrics | null;
  /** variant ÷ original (accuracy: drop in points). */
  ratios: { size: number; accuracyDropPoints: number; p50: number; p99: number; throughputB64: number } | null;
  details: Record<string, unknown>;
}

export function methodName(m: CompressMethod): string {
  if (m.kind === 'prune') return `prune:${m.sparsity}`;
  if (m.kind === 'prune-structured') return `prune-structured:${m.ratio}`;
  if (m.kind === 'distill') return `distill:${m.student}`;
  return m.kind;
}

/** Build the compressed variant; returns its bytes and method-specific details. */
export async function buildVariant(o: CompressOptions): Promise<{ bytes: Uint8Array; details: Record<string, unknown> }> {
  const m = o.method;
  const progress = o.progress ?? noProgress;
  switch (m.kind) {
    case 'int8-dynamic': {
      const r = quantizeDynamic(o.model);
      return { bytes: r.bytes, details: { quantized: r.quantized, skipped: r.skipped } };
    }
    case 'int8-static': {
      const calibration = o.calibration ?? 'percentile';
      const samples = o.calibrationSamples ?? 256;
      const ranges = await calibrate(o.runner, o.model, o.train, { method: calibration, samples });
      const r = quantizeStatic(o.model, { ranges });
      return { bytes: r.bytes, details: { calibration, calibrationSamples: Math.min(samples, o.train.n), quantized: r.quantized, skipped: r.skipped } };
    }
    case 'fp16': {
      const r = toFp16Weights(o.model);
      return { bytes: r.bytes, details: { converted: r.converted.length, note: 'weights stored as float16, computed in float32' } };
    }
    case 'prune': {
      const r = pruneMagnitude(o.model, m.sparsity);
      const epochs = o.epochs ?? 0;
      let bytes = r.bytes;
      if (epochs > 0) {
        const p = new GraphProgram(bytes);
        fitGraph(p, o.train, { epochs, lr: o.lr ?? 1e-3, masks: r.masks, seed: o.seed ?? 1, progress });
        bytes = p.toBytes();
      }
      return { bytes, details: { targetSparsity: m.sparsity, fineTuneEpochs: epochs, note: 'dense storage: zeros do not speed up onnxruntime' } };
    }
    case 'prune-structured': {
      const r = pruneStructured(o.model, m.ratio);
      const epochs = o.epochs ?? 0;
      let bytes = r.bytes;
      if (epochs > 0) {
        const p = new GraphProgram(bytes);
        fitGraph(p, o.train, { epochs, lr: o.lr ?? 1e-3, seed: o.seed ?? 1, progress });
        bytes = p.toBytes();
      }
      return { bytes, details: { ratio: m.ratio, layers: r.layers, fineTuneEpochs: epochs } };
    }
    case 'distill':
      return distill(o, m.student, progress);
  }
}

async function distill(o: CompressOptions, student: string, progress: ProgressSink): Promise<{ bytes: Uint8Array; details: Record<string, unknown> }> {
  const teacherModel = readModel(o.model);
  const input = teacherModel.graph.inputs[0]!;
  const session = await o.runner.load(o.model);
  let teacher: { logits: Float32Array; classes: number };
  try {
    teacher = await predictAll(session, o.train);
  } finally {
    await session.close();
  }
  const [c, h, w] = o.train.shape;
  if (input.shape.length !== 2 && input.shape.length !== 4) throw invalidArgument(`distill: teacher input '${input.name}' has rank ${input.shape.length}; expected 2 or 4`);
  if (sampleSize(o.train) !== c * h * w) throw invalidArgument('distill: dataset sample size does not match');
  const bytes0 = buildStudent(parseStudent(student), {
    name: input.name,
    shape: input.shape,
    sample: [c, h, w],
    classes: teacher.classes,
    outputName: teacherModel.graph.outputs[0]!.name,
  }, o.seed ?? 3);
  const p = new GraphProgram(bytes0);
  const temperature = o.temperature ?? 4;
  const alpha = o.alpha ?? 0.7;
  const epochs = o.epochs ?? 5;
  const loss = fitGraph(p, o.train, { epochs, lr: o.lr ?? 2e-3, teacherLogits: teacher.logits, temperature, alpha, seed: o.seed ?? 1, progress });
  return { bytes: p.toBytes({ 'lepton.compress': `distill:${student}` }), details: { student, temperature, alpha, epochs, finalLoss: loss } };
}

/** Build the variant and measure it against the original. */
export async function compressModel(o: CompressOptions): Promise<{ bytes: Uint8Array; report: CompressReport }> {
  const { bytes, details } = await buildVariant(o);
  let original: ModelMetrics | null = null;
  let variant: ModelMetrics | null = null;
  if (!o.skipMeasure) {
    original = await measureModel(o.runner, o.model, o.test, o.measure);
    variant = await measureModel(o.runner, bytes, o.test, o.measure);
  }
  const ratios =
    original && variant
      ? {
          size: variant.sizeBytes / original.sizeBytes,
          accuracyDropPoints: (original.accuracy - variant.accuracy) * 100,
          p50: variant.p50Ms / original.p50Ms,
          p99: variant.p99Ms / original.p99Ms,
          throughputB64: variant.throughputB64 / original.throughputB64,
        }
      : null;
  return { bytes, report: { method: methodName(o.method), dataset: o.test.name, original, variant, ratios, details } };
}
