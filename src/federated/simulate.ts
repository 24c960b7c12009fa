/**
 * `lep fl simulate`: a whole federated run on one machine with nothing faked — the real server on
 * 127.0.0.1 and every client a real HTTP client, spread over worker threads (several clients per
 * worker). Writes metrics.json (accuracy per round, rounds to the target, bytes) and an
 * accuracy-per-round chart (SVG and PNG) into the output folder, which also holds the checkpoint,
 * so an interrupted simulation resumes where it stopped.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/worker.js';
import { invalidArgument } from '../core/errors.js';
import { ensureDir, writeFileAtomic } from '../core/fs.js';
import { loadDataset } from '../data/index.js';
import { MemoryTokenStore, issueToken } from '../secure/index.js';
import type { DpOptions } from './aggregate.js';
import { accuracySvg, svgToPng } from './chart.js';
import { resolveArch } from './model.js';
import { partitionLabel, type PartitionSpec } from './partition.js';
import { FlServer, type RoundRecord } from './server.js';
import type { SimWorkerData, SimWorkerResult } from './sim-worker.js';
import { makeStrategy, type StrategyOptions } from './strategy.js';

export interface SimulateOptions {
  clients: number;
  /** C: fraction of clients selected per round. */
  fraction: number;
  epochs: number;
  batchSize: number;
  lr: number;
  partition: PartitionSpec;
  rounds: number;
  dataset: string;
  arch: string;
  strategy?: string;
  strategyOptions?: StrategyOptions;
  secure?: boolean;
  dp?: DpOptions;
  out: string;
  seed?: number;
  /** Worker threads running clients (default 2). */
  workers?: number;
  /** Accuracy whose first crossing is reported as rounds-to-target (default 0.97). */
  target?: number;
  /** Stop as soon as the target accuracy is reached (benchmarks measuring rounds-to-target). */
  stopAtTarget?: boolean;
  /** Stop after the first round that ends past this many seconds of wall time. */
  maxSeconds?: number;
  limitTrain?: number;
  deadlineMs?: number;
  /** Called with one line per round. */
  onProgress?: (line: string) => void;
}

export interface SimulationMetrics {
  config: Record<string, unknown>;
  rounds: RoundRecord[];
  target: number;
  roundsToTarget: number | null;
  finalAccuracy: number | null;
  bestAccuracy: number | null;
  /** Wall time of the whole run, start-up included. */
  seconds: number;
  /** Wall time until every client was up and polling (worker start, dataset load, partition). */
  startupSeconds: number;
  /** Mean of the rounds' `seconds` (start-up and the server's evaluation excluded). */
  secondsPerRound: number;
  /** Mean of the rounds' server-side test-set evaluation time. */
  evalSecondsPerRound: number;
  bytes: { serverIn: number; serverOut: number; clientsSent: number; clientsReceived: number; perClientPerRound: number };
  dp?: { clip: number; noiseMultiplier: number };
}

/** First round whose accuracy reaches `target`, or null. */
export function roundsToTarget(history: readonly RoundRecord[], target: number): number | null {
  return history.find((h) => (h.accuracy ?? 0) >= target)?.round ?? null;
}

/** Start the worker (core/worker.ts handles running from the TypeScript sources). */
function startWorker(data: SimWorkerData): Worker {
  return startModuleWorker(new URL('./sim-worker.js', import.meta.url), { workerData: data });
}

export async function simulate(o: SimulateOptions): Promise<SimulationMetrics> {
  if (!Number.isInteger(o.clients) || o.clients < 1) throw invalidArgument('--clients must be a positive integer');
  if (!(o.fraction > 0 && o.fraction <= 1)) throw invalidArgument('--fraction must be in (0, 1]');
  const secure = o.secure ?? true;
  const seed = o.seed ?? 0;
  const target = o.target ?? 0.97;
  const K = Math.min(o.clients, Math.max(secure ? 2 : 1, Math.round(o.fraction * o.clients)));
  ensureDir(o.out);
  const split = loadDataset(o.dataset, o.limitTrain !== undefined ? { limitTrain: o.limitTrain } : {});
  const store = new MemoryTokenStore();
  const task = 'simulation';
  const token = (await issueToken(store, { name: 'simulator', scopes: [`fl:${task}`] })).token;
  const strategy = makeStrategy(o.strategy ?? 'fedavg', o.strategyOptions);
  const t0 = performance.now();
  const server = new FlServer({
    task,
    arch: resolveArch(o.arch),
    rounds: o.rounds,
    clientsPerRound: K,
    // every simulated client stays up, so insist on all of them unless the deadline says otherwise
    minClients: Math.max(secure ? 2 : 1, Math.ceil(K / 2)),
    strategy,
    tokens: store,
    local: { epochs: o.epochs, batchSize: o.batchSize, lr: o.lr },
    secure,
    checkpointDir: o.out,
    test: split.test,
    seed,
    ...(o.dp && { dp: o.dp }),
    ...(o.deadlineMs !== undefined && { deadlineMs: o.deadlineMs }),
    stopWhen: (r: RoundRecord) => (o.stopAtTarget === true && (r.accuracy ?? 0) >= target) || (o.maxSeconds !== undefined && (performance.now() - t0) / 1000 >= o.maxSeconds),
    onRound: (r) =>
      o.onProgress?.(
        `round ${r.round}/${o.rounds}: acc ${r.accuracy !== undefined ? (r.accuracy * 100).toFixed(2) : '-'}% loss ${r.loss?.toFixed(4) ?? '-'} ` +
          `clients ${r.clients}/${r.selected}${r.dropped.length ? ` dropped ${r.dropped.length}` : ''} ${r.seconds.toFixed(1)}s (+${(r.evalSeconds ?? 0).toFixed(1)}s eval) ${(r.bytesIn / 1e6).toFixed(1)} MB up`,
      ),
  });
  const url = await server.listen();
  const W = Math.max(1, Math.min(o.workers ?? 2, o.clients));
  const workers: Array<Promise<SimWorkerResult>> = [];
  const started: Worker[] = [];
  try {
    for (let w = 0; w < W; w++) {
      const data: SimWorkerData = {
        url,
        token,
        dataset: o.dataset,
        ...(o.limitTrain !== undefined && { limitTrain: o.limitTrain }),
        partition: o.partition,
        clients: o.clients,
        ids: Array.from({ length: o.clients }, (_, i) => i).filter((i) => i % W === w),
        seed,
      };
      const worker = startWorker(data);
      started.push(worker);
      workers.push(
        new Promise((resolve, reject) => {
          worker.once('message', (m: SimWorkerResult) => (m.error ? reject(new Error(`simulation worker: ${m.error}`)) : resolve(m)));
          worker.once('error', reject);
        }),
      );
    }
    // a worker that fails (bad dataset, crash) ends the run instead of leaving the server waiting
    const failed = new Promise<never>((_, reject) => workers.forEach((p) => p.catch(reject)));
    // every client up and polling before round 1, so per-round times exclude the start-up
    await Promise.race([server.waitForClients(o.clients, o.deadlineMs ?? 120_000), failed]);
    const startupSeconds = (performance.now() - t0) / 1000;
    const history = await Promise.race([server.run(), failed]);
    const results = await Promise.all(workers);
    const seconds = (performance.now() - t0) / 1000;
    const accs = history.map((h) => h.accuracy).filter((a): a is number => a !== undefined);
    const clientsSent = results.reduce((s, r) => s + r.bytesSent, 0);
    const participations = history.reduce((s, h) => s + h.clients, 0);
    const metrics: SimulationMetrics = {
      config: { ...o, onProgress: undefined, partition: partitionLabel(o.partition), clientsPerRound: K, secure, strategy: strategy.name },
      rounds: history,
      target,
      roundsToTarget: roundsToTarget(history, target),
      finalAccuracy: accs.at(-1) ?? null,
      bestAccuracy: accs.length ? Math.max(...accs) : null,
      seconds,
      startupSeconds,
      secondsPerRound: history.length ? history.reduce((s, h) => s + h.seconds, 0) / history.length : 0,
      evalSecondsPerRound: history.length ? history.reduce((s, h) => s + (h.evalSeconds ?? 0), 0) / history.length : 0,
      bytes: {
        serverIn: history.reduce((s, h) => s + h.bytesIn, 0),
        serverOut: history.reduce((s, h) => s + h.bytesOut, 0),
        clientsSent,
        clientsReceived: results.reduce((s, r) => s + r.bytesReceived, 0),
        perClientPerRound: participations ? history.reduce((s, h) => s + h.bytesIn, 0) / participations : 0,
      },
      ...(o.dp && { dp: { clip: o.dp.clip, noiseMultiplier: o.dp.noise } }),
    };
    writeFileAtomic(join(o.out, 'metrics.json'), JSON.stringify(metrics, null, 2));
    const svg = accuracySvg(
      `${o.arch} on ${o.dataset}, ${partitionLabel(o.partition)}, ${o.clients} clients, C=${o.fraction}, E=${o.epochs}, B=${o.batchSize}${secure ? ', secure agg' : ''}`,
      [{ label: strategy.name, points: history.filter((h) => h.accuracy !== undefined).map((h) => [h.round, h.accuracy!]) }],
      target,
    );
    writeFileSync(join(o.out, 'accuracy.svg'), svg);
    writeFileSync(join(o.out, 'accuracy.png'), await svgToPng(svg));
    return metrics;
  } finally {
    await server.close();
    await Promise.all(started.map((w) => w.terminate()));
  }
}
