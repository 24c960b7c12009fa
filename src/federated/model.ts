/**
 * The model side of federated learning: the architectures a task may name (the nn library's mlp and
 * cnn, plus the FedAvg paper's 2NN), the flat parameter vector that travels between server and
 * clients, local training (with FedProx's proximal term) and evaluation.
 */
import { readFileSync } from 'node:fs';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { batches, sampleSize, type ImageDataset } from '../data/index.js';
import { SGD, buildModule, evaluate, namedArch, parseLayerSpec, type Module, type ModelArch } from '../nn/index.js';
import { Tensor, softmaxCrossEntropy } from '../tensor/index.js';

/** McMahan et al. 2017's "2NN": 784-200-200-10 with ReLU (199,210 parameters). */
export function twoNN(numClasses = 10): ModelArch {
  return {
    name: '2nn',
    inputShape: [784],
    numClasses,
    model: {
      type: 'sequential',
      layers: [
        { type: 'linear', inFeatures: 784, outFeatures: 200 },
        { type: 'relu' },
        { type: 'linear', inFeatures: 200, outFeatures: 200 },
        { type: 'relu' },
        { type: 'linear', inFeatures: 200, outFeatures: numClasses },
      ],
    },
  };
}

export const FL_ARCHS = ['mlp', 'cnn', '2nn'] as const;

/** `mlp`, `cnn`, `2nn`, or a path to a JSON ModelArch ({inputShape, numClasses, model}). */
export function resolveArch(spec: string): ModelArch {
  if (spec === '2nn') return twoNN();
  if (spec === 'mlp' || spec === 'cnn') return namedArch(spec);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (err) {
    throw invalidArgument(`model spec ${JSON.stringify(spec)} is neither ${FL_ARCHS.join(', ')} nor a readable JSON file (${(err as Error).message})`);
  }
  return checkArch(raw);
}

/** Validate a ModelArch received over the wire or read from a file. */
export function checkArch(raw: unknown): ModelArch {
  const a = raw as Partial<ModelArch> | null;
  if (!a || !Array.isArray(a.inputShape) || !a.inputShape.every((d) => Number.isInteger(d) && d > 0) || !Number.isInteger(a.numClasses)) {
    throw invalidArgument('model spec needs inputShape (positive integers), numClasses and model');
  }
  return { ...(a.name !== undefined && { name: String(a.name) }), inputShape: [...a.inputShape], numClasses: a.numClasses!, model: parseLayerSpec(a.model) };
}

/** Build the model with seeded initial weights (the server's seed fixes the round-0 global model). */
export function buildModel(arch: ModelArch, seed = 0): Module {
  return buildModule(arch.model, { rng: new Rng(seed) });
}

/** Parameters and buffers, flattened in state-dict order: the vector every round exchanges. */
export function getVector(model: Module): Float32Array {
  const parts = [...model.stateDict().values()];
  const out = new Float32Array(parts.reduce((s, t) => s + t.size, 0));
  let off = 0;
  for (const t of parts) {
    out.set(t.data, off);
    off += t.size;
  }
  return out;
}

export function setVector(model: Module, vec: Float32Array): void {
  const parts = [...model.stateDict().values()];
  const total = parts.reduce((s, t) => s + t.size, 0);
  if (vec.length !== total) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `weight vector has ${vec.length} values, the model has ${total}`);
  let off = 0;
  for (const t of parts) {
    t.data.set(vec.subarray(off, off + t.size));
    off += t.size;
  }
}

export interface LocalTrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** FedProx μ: adds μ/2‖w − wᵗ‖² to the loss, i.e. μ(w − wᵗ) to each gradient. 0 = plain FedAvg. */
  proxMu?: number;
  seed?: number;
}

function checkInput(arch: ModelArch, ds: ImageDataset): void {
  const want = arch.inputShape.reduce((a, b) => a * b, 1);
  if (sampleSize(ds) !== want) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `dataset samples have ${sampleSize(ds)} values, the model takes ${want}`);
}

/**
 * E epochs of SGD at batch B from `global`; returns the weight delta (local − global) and the
 * mean training loss. Only the delta leaves the client.
 */
export function trainLocal(arch: ModelArch, global: Float32Array, ds: ImageDataset, o: LocalTrainOptions): { delta: Float32Array; loss: number } {
  checkInput(arch, ds);
  const model = buildModel(arch);
  setVector(model, global);
  const params = model.parameters();
  const anchor = params.map((p) => p.data.slice());
  const opt = new SGD(params, { lr: o.lr });
  const mu = o.proxMu ?? 0;
  const rng = new Rng(o.seed ?? 0);
  let lossSum = 0;
  let seen = 0;
  model.train();
  for (let e = 0; e < o.epochs; e++) {
    for (const b of batches(ds, o.batchSize, { rng })) {
      const logits = model.forward(new Tensor(b.x, [b.size, ...arch.inputShape])); // [B, C]
      const loss = softmaxCrossEntropy(logits, b.y);
      opt.zeroGrad();
      loss.backward();
      if (mu > 0) {
        params.forEach((p, i) => {
          const g = p.gradBuffer();
          const w0 = anchor[i]!;
          for (let k = 0; k < g.length; k++) g[k]! += mu * (p.data[k]! - w0[k]!);
        });
      }
      opt.step();
      const l = loss.item();
      if (!Number.isFinite(l)) throw invalidArgument(`local training diverged (loss ${l}); lower the learning rate`);
      lossSum += l * b.size;
      seen += b.size;
    }
  }
  const local = getVector(model);
  for (let i = 0; i < local.length; i++) local[i]! -= global[i]!;
  return { delta: local, loss: seen ? lossSum / seen : NaN };
}

/** Test loss and accuracy of the weight vector `vec`. */
export function evaluateVector(arch: ModelArch, vec: Float32Array, ds: ImageDataset, batchSize = 500): { loss: number; accuracy: number } {
  checkInput(arch, ds);
  const model = buildModel(arch);
  setVector(model, vec);
  const r = evaluate(model, batches(ds, batchSize, { shuffle: false }), arch.inputShape);
  return { loss: r.loss, accuracy: r.accuracy };
}
