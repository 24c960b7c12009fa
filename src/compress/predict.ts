/**
 * Dataset-level helpers over a runtime `Session` (ort or native): batch a dataset through the
 * model, collect its logits, score accuracy. Teacher logits, calibration and measurement use them.
 */
import { sampleSize, type ImageDataset } from '../data/index.js';
import { type Session } from '../runtime/engine.js';

/** Input dims for a batch of b samples, following the session's declared input rank. */
export function inputDims(session: Pick<Session, 'inputs'>, ds: Pick<ImageDataset, 'shape'>, b: number): number[] {
  const rank = session.inputs[0]?.shape.length ?? 2;
  return rank === 4 ? [b, ...ds.shape] : [b, sampleSize(ds)];
}

/** Run the whole dataset through the session; returns the first output [n, classes] row-major. */
export async function predictAll(session: Session, ds: ImageDataset, batchSize = 256, outputName?: string): Promise<{ logits: Float32Array; classes: number }> {
  const d = sampleSize(ds);
  const inName = session.inputs[0]!.name;
  const outName = outputName ?? session.outputs[0]!.name;
  let logits = new Float32Array(0);
  let classes = 0;
  for (let start = 0; start < ds.n; start += batchSize) {
    const b = Math.min(batchSize, ds.n - start);
    const out = await session.run({ [inName]: { data: ds.x.subarray(start * d, (start + b) * d), dims: inputDims(session, ds, b) } });
    const y = out[outName]!;
    if (classes === 0) {
      classes = y.data.length / b;
      logits = new Float32Array(ds.n * classes);
    }
    logits.set(y.data, start * classes);
  }
  return { logits, classes };
}

/** Fraction of samples whose arg-max output equals the label. */
export function accuracyOf(logits: Float32Array, classes: number, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c]! > logits[i * classes + best]!) best = c;
    if (best === labels[i]) correct++;
  }
  return labels.length === 0 ? 0 : correct / labels.length;
}

export async function accuracy(session: Session, ds: ImageDataset): Promise<number> {
  const { logits, classes } = await predictAll(session, ds);
  return accuracyOf(logits, classes, ds.y);
}
