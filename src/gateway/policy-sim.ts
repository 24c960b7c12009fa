/**
 * A discrete-event simulation of a Policy in front of replicas, on a virtual clock: Poisson
 * arrivals, each replica a single-threaded FIFO server (a Node replica runs one request at a time)
 * plus an optional extra delay that does not occupy the server (the bench's slow shim). It drives
 * the real policy through pick/onStart/onDone, so the policy tests and `bench/gateway-sim.ts` can
 * explain routing outcomes (share, p99) without wrk, without timing noise and without a machine.
 */
import { Rng } from '../core/rng.js';
import { type Policy, type Replica } from './types.js';

export interface SimReplica {
  /** Mean CPU service time in ms (exponential). */
  serviceMs: number;
  /** Extra delay after service, in ms, given the request's random draw in [0, 1) and the virtual time. */
  extraMs?: (u: number, nowMs: number) => number;
}

export interface SimOptions {
  ratePerSec: number;
  durationMs: number;
  replicas: SimReplica[];
  seed?: number;
  /** Fixed network + gateway overhead added to every answer, ms. */
  overheadMs?: number;
  /** Leave out answers that arrive before this time from the statistics (warm-up). */
  warmupMs?: number;
}

export interface SimResult {
  requests: number;
  /** Share of picks (after warm-up) per replica index. */
  share: number[];
  p50: number;
  p99: number;
  /** Picks per replica index in consecutive windows of `windowMs` (for recovery-time checks). */
  windows: number[][];
}

interface Pending {
  at: number;
  replica: number;
  latency: number;
}

/**
 * Run one simulation. `clock` is the virtual time the policy under test must read (its `now`).
 */
export function simulate(policy: Policy, clock: { t: number }, o: SimOptions, windowMs = 1000): SimResult {
  const rng = new Rng(o.seed ?? 1);
  const exp = (mean: number): number => -Math.log(1 - rng.next()) * mean;
  const replicas: Replica[] = o.replicas.map((_, i) => ({ id: `r${i}`, origin: `sim://${i}`, weight: 1, inFlight: 0, healthy: true, capacity: Infinity }));
  const freeAt = o.replicas.map(() => 0);
  const done: Pending[] = []; // min-heap on `at`
  const lat: number[] = [];
  const picks = o.replicas.map(() => 0);
  const windows: number[][] = [];
  const warm = o.warmupMs ?? 0;
  const finish = (until: number): void => {
    while (done.length > 0 && done[0]!.at <= until) {
      const d = heapPop(done);
      clock.t = d.at;
      replicas[d.replica]!.inFlight--;
      policy.onDone(replicas[d.replica]!, { ok: true, latencyMs: d.latency });
    }
  };
  let t = 0;
  for (;;) {
    t += exp(1000 / o.ratePerSec);
    if (t >= o.durationMs) break;
    finish(t);
    clock.t = t;
    const r = policy.pick({ headers: {} }, replicas)!;
    const i = replicas.indexOf(r);
    r.inFlight++;
    policy.onStart(r);
    const spec = o.replicas[i]!;
    const start = Math.max(t, freeAt[i]!);
    freeAt[i] = start + exp(spec.serviceMs);
    const end = freeAt[i]! + (spec.extraMs?.(rng.next(), t) ?? 0) + (o.overheadMs ?? 0);
    heapPush(done, { at: end, replica: i, latency: end - t });
    const w = Math.floor(t / windowMs);
    while (windows.length <= w) windows.push(o.replicas.map(() => 0));
    windows[w]![i]!++;
    if (t >= warm) {
      picks[i]!++;
      lat.push(end - t);
    }
  }
  finish(Infinity);
  lat.sort((a, b) => a - b);
  const n = lat.length;
  return {
    requests: n,
    share: picks.map((p) => p / Math.max(n, 1)),
    p50: lat[Math.floor(n * 0.5)] ?? 0,
    p99: lat[Math.min(n - 1, Math.floor(n * 0.99))] ?? 0,
    windows,
  };
}

function heapPush(h: Pending[], v: Pending): void {
  h.push(v);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]!.at <= h[i]!.at) break;
    [h[p], h[i]] = [h[i]!, h[p]!];
    i = p;
  }
}

function heapPop(h: Pending[]): Pending {
  const top = h[0]!;
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.at < h[m]!.at) m = l;
      if (r < h.length && h[r]!.at < h[m]!.at) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
  return top;
}
