/**
 * One entry point for every compression method: build the variant a parsed method describes
 * (methods/registry.ts: int8-dynamic, int8-static, fp16, prune:0.5, prune-structured:0.5,
 * distill:mlp-64, …), then measure it against the original; returns the bytes and a report.
 */
import { type ProgressSink } from '../core/progress.js';
import { type Engine } from '../runtime/engine.js';
import { type ImageDataset } from '../data/index.js';
import { type CalibrationMethod } from './calibrate.js';
import { measureModel, type MeasureOptions, type ModelMetrics } from './measure.js';
import { type CompressMethod, type Variant } from './methods/method.js';

export { METHODS, METHOD_HELP, parseMethod, methodsHelp, epochsHelp, fileSafeName } from './methods/registry.js';
export { defineMethod, type CompressMethod, type MethodEntry, type EpochsUse, type Variant, type VariantInput } from './methods/method.js';

export interface CompressOptions {
  /** The runtime engine (ort or native) that scores, calibrates and measures the models. */
  engine: Engine;
  model: Uint8Array;
  method: CompressMethod;
  train: ImageDataset;
  test: ImageDataset;
  /** Epochs of the method's training, if it trains (its entry's `epochs`: fine-tune or student, and the default). */
  epochs?: number;
  /** Learning rate of that training; the default is the method's own. */
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

/** Build the compressed variant; returns its bytes and method-specific details. */
export function buildVariant(o: CompressOptions): Promise<Variant> {
  return o.method.build(o);
}

/** Build the variant and measure it against the original. */
export async function compressModel(o: CompressOptions): Promise<{ bytes: Uint8Array; report: CompressReport }> {
  const { bytes, details } = await buildVariant(o);
  let original: ModelMetrics | null = null;
  let variant: ModelMetrics | null = null;
  if (!o.skipMeasure) {
    original = await measureModel(o.engine, o.model, o.test, o.measure);
    variant = await measureModel(o.engine, bytes, o.test, o.measure);
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
  return { bytes, report: { method: o.method.name, dataset: o.test.name, original, variant, ratios, details } };
}
