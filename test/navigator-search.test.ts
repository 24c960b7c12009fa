// Hill climbing over serving settings against a synthetic server model: it reaches the optimum
// while measuring far fewer settings than the grid, abandons hopeless probes, and honours stop().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpace, hillClimb, neighbours, score, type Measurement, type ServingConfig, type Targets } from '../src/navigator/index.js';

const targets: Targets = { minAccuracy: 0.9, p99Ms: 10, rps: 2000 };

/** A made-up server: batching raises capacity, waiting adds latency, replicas cost cores. */
function synthetic(c: ServingConfig, probe: boolean): Measurement {
  const capacity = c.replicas * Math.min(c.threads, 2) * 600 * Math.sqrt(c.maxBatch);
  const rps = Math.min(targets.rps, capacity);
  const load = rps / capacity;
  const p99 = 1 + c.maxWaitMs ** 2 * 1.5 + (load > 0.95 ? 40 : 4 * load) + c.maxBatch / 16;
  const cores = c.replicas * c.threads * (0.5 + 0.5 * load);
  return { variant: 'v', config: c, rps, p50Ms: p99 / 3, p99Ms: p99, requests: rps * 3, errors: 0, coresUsed: cores, peakRssMb: 100 * c.replicas, probeOnly: probe };
}

const evaluate = async (c: ServingConfig, keepGoing: (m: Measurement) => boolean): Promise<Measurement> => {
  const probe = synthetic(c, true);
  return keepGoing(probe) ? synthetic(c, false) : probe;
};

function gridBest(space: ReturnType<typeof defaultSpace>): Measurement {
  let best: Measurement | null = null;
  for (const threads of space.threads)
    for (const replicas of space.replicas)
      for (const maxBatch of space.maxBatch)
        for (const maxWaitMs of space.maxWaitMs) {
          if (threads * replicas > space.maxCores) continue;
          const m = synthetic({ threads, replicas, maxBatch, maxWaitMs }, false);
          const [v, c] = score(m, targets, 0.04);
          if (!best) best = m;
          const [bv, bc] = score(best, targets, 0.04);
          if (v < bv || (v === bv && c < bc)) best = m;
        }
  return best!;
}

test('neighbours change one knob one step and respect the core limit', () => {
  const space = defaultSpace(4);
  const ns = neighbours({ threads: 2, replicas: 2, maxBatch: 16, maxWaitMs: 1 }, space);
  for (const n of ns) assert.ok(n.threads * n.replicas <= 4);
  assert.ok(ns.some((n) => n.maxBatch === 64) && ns.some((n) => n.maxBatch === 4));
  assert.ok(!ns.some((n) => n.replicas === 3), '2 threads × 3 replicas exceeds 4 cores');
});

test('the climb reaches a setting as good as the grid optimum with fewer measurements', async () => {
  const space = defaultSpace(4);
  const r = await hillClimb({ space, start: { threads: 1, replicas: 1, maxBatch: 1, maxWaitMs: 0 }, targets, priceCoreHour: 0.04, evaluate, stop: () => false });
  const grid = gridBest(space);
  const [bv, bc] = score(r.best!, targets, 0.04);
  const [gv, gc] = score(grid, targets, 0.04);
  assert.equal(bv, 0);
  assert.equal(gv, 0);
  assert.ok(bc <= gc * 1.15, `climb cost ${bc} vs grid ${gc}`);
  const gridSize = space.threads.length * space.replicas.length * space.maxBatch.length * space.maxWaitMs.length;
  assert.ok(r.measurements.length < gridSize / 2, `${r.measurements.length} measurements vs grid ${gridSize}`);
  assert.ok(r.measurements.some((m) => m.probeOnly), 'hopeless neighbours were cut after the probe');
});

test('stop() bounds the search', async () => {
  let calls = 0;
  const r = await hillClimb({
    space: defaultSpace(4),
    start: { threads: 1, replicas: 1, maxBatch: 1, maxWaitMs: 0 },
    targets,
    priceCoreHour: 0.04,
    evaluate: (c, k) => {
      calls++;
      return evaluate(c, k);
    },
    stop: () => calls >= 3,
  });
  assert.equal(calls, 3);
  assert.equal(r.measurements.length, 3);
  const none = await hillClimb({ space: defaultSpace(2), start: { threads: 1, replicas: 1, maxBatch: 1, maxWaitMs: 0 }, targets, priceCoreHour: 0.04, evaluate, stop: () => true });
  assert.equal(none.best, null);
});
