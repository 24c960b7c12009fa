/**
 * The navigator: build the variants (original, int8-dynamic, int8-static, fp16, pruned, distilled),
 * score their accuracy, hill-climb serving settings for each on real replica processes under
 * closed-loop load, price every measurement, and write the Pareto front and recommendation.
 * The budget is wall-clock; an abort signal (Ctrl-C) ends it with the partial report written.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { invalidArgument, LeptonError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { ensureDir, writeFileAtomic } from '../core/fs.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { buildVariant, accuracy } from '../compress/index.js';
import { loadDataset, sampleSize, type ImageDataset } from '../data/index.js';
import { getEngine } from '../runtime/index.js';
import { runLoad } from './load.js';
import { paretoFront, recommend } from './pareto.js';
import { startReplicas } from './replicas.js';
import { writeNavigatorReport, type NavigatorReport } from './report.js';
import { defaultSpace, hillClimb } from './search.js';
import { planVariants } from './variants.js';
import { type Measurement, type PricedPoint, type Prices, type ServingConfig, type Targets, type VariantInfo, costPerMillion } from './types.js';

export interface NavigatorOptions {
  modelPath: string;
  dataset: string;
  outDir: string;
  targets: Targets;
  prices: Prices;
  /** Wall-clock budget of the whole run, minutes. */
  budgetMinutes: number;
  /** Compression methods to try besides the original (registry spellings). Default DEFAULT_VARIANTS. */
  variants?: string[];
  /** Student for a distilled variant (e.g. 'mlp-64'); null leaves distillation out. Default DEFAULT_STUDENT. */
  distill?: string | null;
  /** Epochs of methods that fine-tune (default 1) and of those that train a student (default 3). */
  fineTuneEpochs?: number;
  distillEpochs?: number;
  /** Closed-loop connections. Default 32. */
  connections?: number;
  /** Full measurement window, s (default 3); probe window, s (default 1). */
  measureSeconds?: number;
  probeSeconds?: number;
  /** Cores the search may use for threads × replicas. Default: this machine's. */
  cores?: number;
  limitTrain?: number;
  limitTest?: number;
  signal?: AbortSignal;
  progress?: ProgressSink;
  logger?: Logger;
}

const NAIVE: ServingConfig = { threads: 1, replicas: 1, maxBatch: 1, maxWaitMs: 0 };

function predictBody(test: ImageDataset): string {
  const d = sampleSize(test);
  return JSON.stringify({ inputs: [Array.from(test.x.subarray(0, d), (v) => Math.round(v * 1000) / 1000)] });
}

export async function navigate(o: NavigatorOptions): Promise<{ report: NavigatorReport; paths: Awaited<ReturnType<typeof writeNavigatorReport>> }> {
  if (!(o.budgetMinutes > 0)) throw invalidArgument(`budget must be positive minutes, got ${o.budgetMinutes}`);
  const log = o.logger ?? silentLogger;
  const progress = o.progress ?? noProgress;
  const started = Date.now();
  const budgetMs = o.budgetMinutes * 60_000;
  const elapsed = () => Date.now() - started;
  const stop = () => o.signal?.aborted === true || elapsed() >= budgetMs;
  const tick = (info: string) => progress.update(Math.round(Math.min(elapsed(), budgetMs) / 1000), Math.round(budgetMs / 1000), info);
  const cores = o.cores ?? availableParallelism();
  const planned = planVariants(o.variants, o.distill);
  let model: Uint8Array;
  try {
    model = readFileSync(o.modelPath);
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_MODEL_NOT_FOUND', `cannot read model ${o.modelPath}`, { cause: err });
  }
  const { train, test } = loadDataset(o.dataset, { ...(o.limitTrain && { limitTrain: o.limitTrain }), ...(o.limitTest && { limitTest: o.limitTest }) });
  const engine = await getEngine('ort');
  const variantDir = join(o.outDir, 'variants');
  ensureDir(variantDir);
  const notes: string[] = [
    'Cost = CPU cores the replica processes actually used (from /proc, load generator excluded) × core-hour price ÷ sustained req/s.',
    `Closed-loop load from autocannon (${o.connections ?? 32} connections, offered load capped at the ${o.targets.rps} req/s target) in the navigator process, on the same machine as the replicas; req/s below the target means the setting saturated.`,
  ];
  const variants: NavigatorReport['variants'] = [];
  const points: PricedPoint[] = [];
  let naive: PricedPoint | null = null;

  const scoreAccuracy = async (bytes: Uint8Array): Promise<number> => {
    const s = await engine.load(bytes);
    try {
      return await accuracy(s, test);
    } finally {
      await s.close();
    }
  };

  // 1–2. Variants and their accuracy; building may use at most 40% of the budget.
  const original: VariantInfo = { name: 'original', method: 'original', path: o.modelPath, sizeBytes: model.length, accuracy: await scoreAccuracy(model), buildSeconds: 0 };
  variants.push({ ...original, served: false });
  for (const { method: m, name, file } of planned) {
    if (o.signal?.aborted || elapsed() > 0.4 * budgetMs) {
      notes.push(`variant ${name} not built: ${o.signal?.aborted ? 'cancelled' : 'building would exceed 40% of the budget'}`);
      continue;
    }
    tick(`building ${name}`);
    const t0 = Date.now();
    try {
      const epochs = m.epochs?.role === 'student' ? (o.distillEpochs ?? 3) : (o.fineTuneEpochs ?? 1);
      const { bytes } = await buildVariant({ engine, model, method: m, train, test, epochs, calibrationSamples: 256 });
      const path = join(variantDir, file);
      writeFileAtomic(path, bytes);
      variants.push({ name, method: m.kind, path, sizeBytes: bytes.length, accuracy: await scoreAccuracy(bytes), buildSeconds: (Date.now() - t0) / 1000, served: false });
    } catch (err) {
      notes.push(`variant ${name} failed to build: ${(err as Error).message}`);
      log.warn({ err, variant: name }, 'variant build failed');
    }
  }

  // 3–4. Serving search per variant, most accurate first; below-floor variants are not served.
  const space = defaultSpace(cores);
  const body = predictBody(test);
  const connections = o.connections ?? 32;
  const measureSec = o.measureSeconds ?? 3;
  const probeSec = o.probeSeconds ?? 1;
  const priced = (m: Measurement, acc: number): PricedPoint => ({ ...m, accuracy: acc, costPerMillion: costPerMillion(m.coresUsed, m.rps, o.prices.coreHour) });
  const evalTimes: number[] = [];
  /** Typical time of one evaluation (replica start + warm-up + windows), to avoid starting one the budget cannot finish. */
  const evalEstimate = () => (evalTimes.length === 0 ? 0 : evalTimes.reduce((a, b) => a + b, 0) / evalTimes.length);
  const evaluateFor = (v: VariantInfo) => async (config: ServingConfig, keepGoing: (probe: Measurement) => boolean): Promise<Measurement> => {
    const began = Date.now();
    tick(`${v.name} t${config.threads} r${config.replicas} b${config.maxBatch} w${config.maxWaitMs}`);
    const rs = await startReplicas(v.path, config);
    try {
      const window = async (sec: number) => {
        const cpu0 = rs.cpuSeconds();
        const t0 = performance.now();
        const r = await runLoad(rs.urls, { connections, durationSec: sec, body, rate: o.targets.rps, ...(o.signal && { signal: o.signal }) });
        const wall = (performance.now() - t0) / 1000;
        return { variant: v.name, config, rps: r.rps, p50Ms: r.p50Ms, p99Ms: r.p99Ms, requests: r.requests, errors: r.errors, coresUsed: (rs.cpuSeconds() - cpu0) / wall, peakRssMb: rs.peakRssMb(), probeOnly: false };
      };
      await runLoad(rs.urls, { connections, durationSec: Math.max(0.5, probeSec / 2), body, rate: o.targets.rps, ...(o.signal && { signal: o.signal }) }); // warm-up
      const probe = await window(probeSec);
      const go = keepGoing(probe);
      if (!go || stop()) return { ...probe, probeOnly: !go };
      return await window(measureSec);
    } finally {
      await rs.stop();
      evalTimes.push(Date.now() - began);
    }
  };

  const servable = variants.filter((v) => v.accuracy >= o.targets.minAccuracy).sort((a, b) => (a.name === 'original' ? -1 : b.name === 'original' ? 1 : a.sizeBytes - b.sizeBytes));
  for (const v of variants) if (v.accuracy < o.targets.minAccuracy) v.note = `accuracy below the ${(o.targets.minAccuracy * 100).toFixed(1)}% floor`;
  // The naive default is the yardstick: original model, one replica, one thread, no batching.
  try {
    if (!stop()) {
      const m = await evaluateFor(original)(NAIVE, () => true);
      naive = priced(m, original.accuracy);
      points.push(naive);
    }
    // Pass 1 climbs each variant from the best setting so far (warm start); later passes restart
    // from other corners of the space while budget remains, reusing everything already measured.
    const restarts: ServingConfig[] = [
      { threads: 1, replicas: 1, maxBatch: 16, maxWaitMs: 1 },
      { threads: 1, replicas: Math.max(1, Math.min(cores, space.replicas.at(-1)!)), maxBatch: 64, maxWaitMs: 2 },
      { threads: Math.max(1, Math.min(cores, space.threads.at(-1)!)), replicas: 1, maxBatch: 64, maxWaitMs: 0 },
    ];
    const visited = new Map<string, Map<string, Measurement>>(servable.map((v) => [v.name, new Map()]));
    let start = restarts[0]!;
    for (let pass = 0; pass < restarts.length && !stop(); pass++) {
      for (let i = 0; i < servable.length && !stop(); i++) {
        const v = servable[i]!;
        if (visited.get(v.name)!.has('failed')) continue;
        const share = (budgetMs - elapsed()) / ((servable.length - i) + servable.length * (restarts.length - pass - 1));
        const until = elapsed() + Math.max(share, 0);
        const entry = variants.find((x) => x.name === v.name)!;
        let r: Awaited<ReturnType<typeof hillClimb>>;
        try {
          r = await hillClimb({
            space,
            start: pass === 0 ? start : restarts[pass]!,
            targets: o.targets,
            priceCoreHour: o.prices.coreHour,
            evaluate: evaluateFor(v),
            visited: visited.get(v.name)!,
            stop: () => stop() || elapsed() + 0.5 * evalEstimate() >= until || elapsed() + 0.8 * evalEstimate() >= budgetMs,
            onMeasurement: (m) => points.push(priced(m, v.accuracy)),
          });
        } catch (err) {
          if (o.signal?.aborted) throw err;
          // One variant failing to serve (e.g. an op the server's engine lacks) must not end the search.
          entry.note = `serving failed: ${(err as Error).message}`;
          notes.push(`variant ${v.name}: ${entry.note}`);
          visited.get(v.name)!.set('failed', { variant: v.name, config: start, rps: 0, p50Ms: 0, p99Ms: 0, requests: 0, errors: 0, coresUsed: 0, peakRssMb: 0, probeOnly: true });
          continue;
        }
        entry.served ||= r.measurements.length > 0;
        if (pass === 0 && r.best) start = r.best.config; // warm start: the next variant begins where this one ended
      }
      if (servable.every((v) => visited.get(v.name)!.has('failed'))) break;
    }
  } catch (err) {
    if (!o.signal?.aborted) {
      notes.push(`search stopped early: ${(err as Error).message}`);
      log.error({ err }, 'navigator search failed');
    }
  }
  for (const v of variants) if (!v.served && !v.note) v.note = o.signal?.aborted ? 'cancelled' : 'budget ran out before it was served';

  // 5–8. Price, front, recommendation, files.
  const front = paretoFront(points);
  const rec = recommend(points, o.targets);
  const gpu = o.prices.gpuHour === undefined ? 'no GPU price given' : 'a GPU price was given but this machine has no CUDA provider, so no GPU setting was measured or priced';
  const report: NavigatorReport = {
    model: basename(o.modelPath),
    dataset: o.dataset,
    createdAt: new Date().toISOString(),
    partial: o.signal?.aborted === true,
    budgetMinutes: o.budgetMinutes,
    elapsedSeconds: elapsed() / 1000,
    machine: { cores, loadGenerator: `autocannon, closed loop, ${connections} connections, capped at ${o.targets.rps} req/s` },
    targets: o.targets,
    prices: o.prices,
    variants,
    measurements: points,
    front,
    recommendation: { text: rec.text, pick: rec.pick?.point ?? null, copies: rec.pick?.copies ?? 0, others: rec.others },
    naive,
    savingsFactor: naive && rec.pick ? naive.costPerMillion / rec.pick.point.costPerMillion : null,
    gpu,
    notes,
  };
  const paths = await writeNavigatorReport(o.outDir, report);
  progress.finish(report.partial ? 'cancelled: partial report written' : 'done');
  return { report, paths };
}
