/**
 * The numbers every compression report carries for a model: file size, parameters, weight
 * sparsity, test accuracy, latency p50/p99 at batch 1 and throughput at batch 64, all measured on
 * the engine passed in (one intra-op thread, so variants compare on equal footing).
 */
import { sampleSize, type ImageDataset } from '../data/index.js';
import { readModel } from '../onnx/reader.js';
import { paramCount, weightZeroFraction } from '../onnx/quantize-graph.js';
import { type Engine } from '../runtime/engine.js';
import { accuracy, inputDims } from './predict.js';

export interface ModelMetrics {
  sizeBytes: number;
  params: number;
  /** Fraction of zero weights. */
  sparsity: number;
  accuracy: number;
  p50Ms: number;
  p99Ms: number;
  /** Samples per second at batch 64. */
  throughputB64: number;
}

export interface MeasureOptions {
  /** Batch-1 calls timed (after warm-up). Default 300. */
  latencyIters?: number;
  /** Minimum batch-64 calls timed. Default 40. */
  throughputIters?: number;
  /** Minimum wall time of each timed phase, ms (tiny models run in microseconds). Default 400. */
  minMs?: number;
  threads?: number;
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  return sortedMs[Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1))]!;
}

export async function measureModel(engine: Engine, bytes: Uint8Array, test: ImageDataset, options: MeasureOptions = {}): Promise<ModelMetrics> {
  const model = readModel(bytes);
  const session = await engine.load(bytes, { threads: options.threads ?? 1 });
  try {
    const acc = await accuracy(session, test);
    const d = sampleSize(test);
    const name = session.inputs[0]!.name;
    const one = (i: number) => ({ [name]: { data: test.x.subarray((i % test.n) * d, ((i % test.n) + 1) * d), dims: inputDims(session, test, 1) } });
    for (let i = 0; i < 20; i++) await session.run(one(i));
    const times: number[] = [];
    const iters = options.latencyIters ?? 300;
    const minMs = options.minMs ?? 400;
    const start = performance.now();
    for (let i = 0; i < iters || performance.now() - start < minMs; i++) {
      const t0 = performance.now();
      await session.run(one(i * 7));
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const b = Math.min(64, test.n);
    const batch = { [name]: { data: test.x.subarray(0, b * d), dims: inputDims(session, test, b) } };
    await session.run(batch);
    const tIters = options.throughputIters ?? 40;
    const t0 = performance.now();
    let runs = 0;
    while (runs < tIters || performance.now() - t0 < minMs) {
      await session.run(batch);
      runs++;
    }
    const secs = (performance.now() - t0) / 1000;
    return {
      sizeBytes: bytes.length,
      params: paramCount(model),
      sparsity: weightZeroFraction(model),
      accuracy: acc,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      throughputB64: (runs * b) / secs,
    };
  } finally {
    await session.close();
  }
}
