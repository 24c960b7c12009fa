/**
 * The training loop shared by fine-tuning (after pruning) and distillation: mini-batches over an
 * ImageDataset, a GraphProgram forward, the distillation loss (plain cross-entropy when α = 0), Adam.
 */
import { type ProgressSink, noProgress } from '../core/progress.js';
import { Rng } from '../core/rng.js';
import { batches, numBatches, sampleSize, type ImageDataset } from '../data/index.js';
import { Tensor, argmaxRows, noGrad } from '../tensor/index.js';
import { Adam } from '../nn/index.js';
import { distillationLoss } from './distill-loss.js';
import { type GraphProgram } from './graph-program.js';

export interface FitOptions {
  epochs: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Teacher logits [n, classes] aligned with the dataset order; enables the soft term. */
  teacherLogits?: Float32Array;
  temperature?: number;
  alpha?: number;
  /** Cosine decay of the learning rate from `lr` to 0 over the run (default true). */
  cosine?: boolean;
  /** param name → 0/1 mask kept through training (pruned weights stay zero). */
  masks?: Map<string, Uint8Array>;
  progress?: ProgressSink;
}

/** The model's input shape for a batch of b samples ([b, c·h·w] or [b, c, h, w]). */
export function batchShape(program: GraphProgram, ds: ImageDataset, b: number): number[] {
  const rank = program.spec.inputs[0]!.shape.length;
  return rank === 4 ? [b, ...ds.shape] : [b, sampleSize(ds)];
}

/** Train the program's parameters in place; returns the mean loss of the last epoch. */
export function fitGraph(program: GraphProgram, ds: ImageDataset, opts: FitOptions): number {
  const params = [...program.params.values()];
  const masks = new Map<Tensor, Uint8Array>();
  for (const [name, m] of opts.masks ?? []) {
    const p = program.params.get(name);
    if (p) masks.set(p, m);
  }
  const lr0 = opts.lr ?? 1e-3;
  const adam = new Adam(params, { lr: lr0 });
  const rng = new Rng(opts.seed ?? 1);
  const bs = opts.batchSize ?? 64;
  const progress = opts.progress ?? noProgress;
  const teacher = opts.teacherLogits;
  const classes = teacher ? teacher.length / ds.n : 0;
  const total = opts.epochs * numBatches(ds.n, bs);
  let step = 0;
  let last = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    let sum = 0;
    let count = 0;
    for (const b of batches(ds, bs, { rng })) {
      const x = new Tensor(b.x, batchShape(program, ds, b.size));
      let t: Float32Array | null = null;
      if (teacher) {
        t = new Float32Array(b.size * classes); // [b, classes] teacher rows in batch order
        for (let j = 0; j < b.size; j++) t.set(teacher.subarray(b.indices[j]! * classes, (b.indices[j]! + 1) * classes), j * classes);
      }
      const logits = program.forward(x);
      const loss = distillationLoss(logits, t, b.y, { temperature: opts.temperature ?? 1, alpha: teacher ? (opts.alpha ?? 0.5) : 0 });
      adam.zeroGrad();
      loss.backward();
      if (opts.cosine ?? true) adam.lr = 0.5 * lr0 * (1 + Math.cos((Math.PI * step) / total));
      adam.step();
      // Pruned weights must stay exactly zero while the survivors are fine-tuned.
      for (const [p, mask] of masks) for (let i = 0; i < mask.length; i++) if (!mask[i]) p.data[i] = 0;
      sum += loss.item() * b.size;
      count += b.size;
      progress.update(++step, total, `epoch ${epoch + 1}/${opts.epochs} loss ${(sum / count).toFixed(4)}`);
    }
    last = sum / count;
  }
  return last;
}

/** Accuracy of the program itself (no engine), for quick checks inside training. */
export function programAccuracy(program: GraphProgram, ds: ImageDataset, batchSize = 256): number {
  let correct = 0;
  noGrad(() => {
    for (const b of batches(ds, batchSize, { shuffle: false })) {
      const pred = argmaxRows(program.forward(new Tensor(b.x, batchShape(program, ds, b.size))));
      for (let j = 0; j < b.size; j++) if (pred[j] === b.y[j]) correct++;
    }
  });
  return ds.n === 0 ? 0 : correct / ds.n;
}
