/**
 * Start N replica processes for one serving setting, through the one replica launcher
 * (serve/replica-launcher.ts). Separate processes, not in-process servers: real replicas do not
 * share an event loop or an ORT thread pool, and /proc gives each one's own CPU time and memory,
 * which is what the bill is computed from. Each holds its lifeline, so none outlives a search.
 */
import { launchReplica, replicaSpawn, type LaunchedReplica } from '../serve/replica-launcher.js';
import { cpuSeconds, peakRssMb } from './procstat.js';
import { type ServingConfig } from './types.js';

export interface ReplicaSet {
  urls: string[];
  pids: number[];
  /** Total CPU seconds of all replicas so far. */
  cpuSeconds(): number;
  /** Sum of the replicas' peak RSS, MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

export async function startReplicas(modelFile: string, c: ServingConfig, timeoutMs = 30_000): Promise<ReplicaSet> {
  const spawnOne = replicaSpawn({
    modelFile,
    host: '127.0.0.1',
    port: 0,
    threads: c.threads,
    batching: { maxBatch: c.maxBatch, maxWaitMs: c.maxWaitMs, maxQueue: 8192 },
    docs: false,
  });
  const launched: LaunchedReplica[] = Array.from({ length: c.replicas }, () => launchReplica(spawnOne, { readyTimeoutMs: timeoutMs }));
  const stop = async (): Promise<void> => {
    await Promise.all(launched.map((r) => r.stop(4000)));
  };
  const started = await Promise.allSettled(launched.map((r) => r.ready));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const ready = started.map((s) => (s as PromiseFulfilledResult<{ url: string; pid: number }>).value);
  const pids = ready.map((r) => r.pid);
  return {
    urls: ready.map((r) => r.url),
    pids,
    cpuSeconds: () => pids.reduce((a, p) => a + cpuSeconds(p), 0),
    peakRssMb: () => pids.reduce((a, p) => a + peakRssMb(p), 0),
    stop,
  };
}
