/**
 * bench/parallel-step.ts: one rank of the step probe (a worker thread). Trains the CNN for one
 * epoch on its share of the shared dataset with the real data-parallel loop, on the group it was
 * given or (mode 'nosync') on a group of one, timing the time spent inside collectives.
 */
import { type ImageDataset } from '../../src/data/index.js';
import { Rng } from '../../src/core/rng.js';
import { Adam, buildModule, namedArch } from '../../src/nn/index.js';
import { type ProcessGroup, fitDataParallel, runThreadRank, soloGroup } from '../../src/parallel/index.js';
import { setKernelThreads } from '../../src/cli/train-parallel.js';
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

/** CPU seconds of this thread (Linux: /proc/thread-self/stat, utime + stime in ticks of 10 ms); NaN elsewhere. */
function threadCpu(): number {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

interface Probe {
  train: ImageDataset;
  globalBatch: number;
  mode: 'sync' | 'nosync';
  kernelThreads: number;
  bucketBytes?: number;
}

/** A group that times every collective (the wait for the slower rank included). */
function timed(g: ProcessGroup, acc: { ms: number; n: number }): ProcessGroup {
  const t = <A extends unknown[]>(f: (...a: A) => Promise<void>) => async (...a: A) => {
    const t0 = performance.now();
    await f(...a);
    acc.ms += performance.now() - t0;
    acc.n++;
  };
  return { rank: g.rank, worldSize: g.worldSize, transport: g.transport, allReduce: t(g.allReduce.bind(g)), broadcast: t(g.broadcast.bind(g)), barrier: t(g.barrier.bind(g)), close: g.close.bind(g) };
}

runThreadRank(async (group, d: Probe) => {
  setKernelThreads(d.kernelThreads);
  const model = buildModule(namedArch('cnn', 10).model, { rng: new Rng(0) });
  const acc = { ms: 0, n: 0 };
  const g = d.mode === 'sync' ? timed(group, acc) : soloGroup();
  const gc = { ms: 0, n: 0, major: 0 };
  const obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      gc.ms += e.duration;
      gc.n++;
      if ((e as unknown as { detail?: { kind?: number } }).detail?.kind !== 1) gc.major++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const c0 = threadCpu();
  const res = await fitDataParallel(model, {
    group: g,
    train: d.train,
    globalBatch: d.mode === 'sync' ? d.globalBatch : d.globalBatch / group.worldSize,
    seed: group.rank,
    optimizer: (p) => new Adam(p, { lr: 1e-3 }),
    epochs: 1,
    inputShape: [1, 28, 28],
    ...(d.bucketBytes !== undefined && { bucketBytes: d.bucketBytes }),
  });
  const cpu = threadCpu() - c0;
  await new Promise((r) => setTimeout(r, 100)); // gc entries are delivered on the event loop, which training never yields to
  obs.disconnect();
  return { seconds: res.secondsPerEpoch, cpu, syncMs: acc.ms, collectives: acc.n, gcMs: gc.ms, gcs: gc.n, majorGcs: gc.major };
});
