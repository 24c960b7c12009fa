/**
 * Splitting a labelled training set across federated clients, seeded so every client process
 * computes the same split from (labels, clients, spec, seed) without talking to anyone:
 *
 *   iid           a random permutation cut into equal parts (sizes differ by at most one).
 *   dirichlet:α   per class, proportions p ~ Dir(α) over clients (Hsu et al. 2019); the whole
 *                 draw is repeated until every client holds at least `minSize` samples.
 *   shards:s      McMahan et al. 2017's pathological split: sort by label, cut into clients·s
 *                 shards (200 for 100 clients × 2), hand each client s random shards.
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';

export type PartitionSpec = { kind: 'iid' } | { kind: 'dirichlet'; alpha: number; minSize?: number } | { kind: 'shards'; perClient: number };

/** Parse `iid`, `dirichlet:0.5` or `shards:2`. */
export function parsePartition(text: string): PartitionSpec {
  const [kind, arg] = text.split(':', 2) as [string, string | undefined];
  if (kind === 'iid' && arg === undefined) return { kind: 'iid' };
  const v = Number(arg);
  if (kind === 'dirichlet' && v > 0 && Number.isFinite(v)) return { kind: 'dirichlet', alpha: v };
  if (kind === 'shards' && Number.isInteger(v) && v > 0) return { kind: 'shards', perClient: v };
  throw invalidArgument(`invalid partition ${JSON.stringify(text)}: use iid, dirichlet:<alpha> or shards:<per-client>`);
}

export function partitionLabel(p: PartitionSpec): string {
  return p.kind === 'iid' ? 'iid' : p.kind === 'dirichlet' ? `dirichlet:${p.alpha}` : `shards:${p.perClient}`;
}

/** Gamma(shape, 1) by Marsaglia–Tsang; shape < 1 through the boost Gamma(a+1)·U^(1/a). */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.next();
    return gamma(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** One Dirichlet(α, …, α) draw of length k. */
export function dirichlet(rng: Rng, alpha: number, k: number): Float64Array {
  const g = new Float64Array(k);
  let s = 0;
  for (let i = 0; i < k; i++) s += g[i] = gamma(rng, alpha);
  // α → 0 can underflow every component: fall back to one random winner, the limit of the distribution
  if (!(s > 0)) {
    g.fill(0);
    g[rng.int(k)] = 1;
    return g;
  }
  for (let i = 0; i < k; i++) g[i]! /= s;
  return g;
}

function byClass(labels: Int32Array, numClasses: number, rng: Rng): number[][] {
  const out: number[][] = Array.from({ length: numClasses }, () => []);
  for (const i of rng.permutation(labels.length)) out[labels[i]!]!.push(i);
  return out;
}

/**
 * Sample indices for each of `clients` clients (sorted ascending). Every index goes to at most one
 * client; iid and dirichlet use them all, shards drops the remainder of n / (clients·s).
 */
export function partition(labels: Int32Array, numClasses: number, clients: number, spec: PartitionSpec, seed = 0): Int32Array[] {
  const n = labels.length;
  if (!Number.isInteger(clients) || clients < 1) throw invalidArgument(`clients must be a positive integer, got ${clients}`);
  if (clients > n) throw invalidArgument(`cannot split ${n} samples over ${clients} clients`);
  const rng = new Rng(seed);
  const sorted = (xs: number[]): Int32Array => Int32Array.from(xs).sort();
  if (spec.kind === 'iid') {
    const perm = rng.permutation(n);
    return Array.from({ length: clients }, (_, c) => perm.slice(Math.floor((c * n) / clients), Math.floor(((c + 1) * n) / clients)).sort());
  }
  if (spec.kind === 'dirichlet') {
    const minSize = spec.minSize ?? Math.min(10, Math.floor(n / clients));
    for (let attempt = 0; attempt < 1000; attempt++) {
      const parts: number[][] = Array.from({ length: clients }, () => []);
      for (const idx of byClass(labels, numClasses, rng)) {
        const p = dirichlet(rng, spec.alpha, clients);
        let cum = 0;
        let start = 0;
        for (let c = 0; c < clients; c++) {
          cum += p[c]!;
          const end = c === clients - 1 ? idx.length : Math.round(cum * idx.length);
          for (let j = start; j < end; j++) parts[c]!.push(idx[j]!);
          start = Math.max(start, end);
        }
      }
      if (parts.every((p) => p.length >= minSize)) return parts.map(sorted);
    }
    throw invalidArgument(`dirichlet:${spec.alpha} could not give all ${clients} clients ≥ ${minSize} samples in 1000 draws; raise alpha or lower the client count`);
  }
  const shards = clients * spec.perClient;
  const size = Math.floor(n / shards);
  if (size < 1) throw invalidArgument(`${n} samples are too few for ${shards} shards`);
  // stable sort by label, ties by index: the paper's "sort the data by digit label"
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => labels[a]! - labels[b]! || a - b);
  const deal = rng.permutation(shards);
  return Array.from({ length: clients }, (_, c) => {
    const mine: number[] = [];
    for (let s = 0; s < spec.perClient; s++) {
      const shard = deal[c * spec.perClient + s]!;
      for (let j = shard * size; j < (shard + 1) * size; j++) mine.push(order[j]!);
    }
    return sorted(mine);
  });
}
