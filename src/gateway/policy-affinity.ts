/**
 * Session affinity by consistent hashing with bounded load (Mirrokni et al., as in HAProxy's
 * `hash-balance-factor`): a key maps to a point on a ring of virtual nodes and goes to the first
 * eligible replica clockwise whose in-flight count is under `loadFactor × average`, so a hot key
 * spills to the next replica instead of melting one. When a replica leaves, only keys it held move.
 * Hand-written: it must combine our health, caps and live load, which no hashing library knows.
 */
import { hash32 } from './hash.js';
import { LeastRequestPolicy } from './policy-least-request.js';
import { type PickRequest, type Policy, type Replica, isEligible } from './types.js';

export interface AffinityOptions {
  /** Header that carries the session key. Default `x-session-id`. */
  header?: string;
  /** Cookie that carries the session key, checked when the header is absent. Default none. */
  cookie?: string;
  /** Bound on a replica's load relative to the average (c in the paper). Default 1.25. */
  loadFactor?: number;
  /** Virtual nodes per unit of weight; more gives a smoother split. Default 160. */
  vnodes?: number;
}

interface Ring {
  signature: string;
  points: Uint32Array; // sorted ring positions
  owners: string[]; // owners[i] is the replica id at points[i]
}

export class AffinityPolicy implements Policy {
  readonly name = 'affinity' as const;
  readonly header: string;
  readonly cookie: string | undefined;
  private readonly loadFactor: number;
  private readonly vnodes: number;
  private ring: Ring = { signature: '', points: new Uint32Array(0), owners: [] };
  /** Requests without a key have nothing to stick to: they are balanced by load. */
  private readonly fallback = new LeastRequestPolicy();

  constructor(options: AffinityOptions = {}) {
    this.header = (options.header ?? 'x-session-id').toLowerCase();
    this.cookie = options.cookie;
    this.loadFactor = options.loadFactor ?? 1.25;
    this.vnodes = options.vnodes ?? 160;
  }

  /** The session key of a request, or undefined when it carries none. */
  keyOf(request: PickRequest): string | undefined {
    const h = request.headers[this.header];
    const v = Array.isArray(h) ? h[0] : h;
    if (v) return v;
    if (!this.cookie) return undefined;
    const raw = request.headers['cookie'];
    const cookies = Array.isArray(raw) ? raw.join('; ') : raw;
    if (!cookies) return undefined;
    for (const part of cookies.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === this.cookie) return part.slice(eq + 1).trim() || undefined;
    }
    return undefined;
  }

  pick(request: PickRequest, replicas: readonly Replica[]): Replica | undefined {
    const key = this.keyOf(request);
    if (key === undefined) return this.fallback.pick(request, replicas);
    const ring = this.ringFor(replicas);
    if (ring.points.length === 0) return undefined;
    const byId = new Map<string, Replica>();
    let eligible = 0;
    let load = 0;
    for (const r of replicas) {
      byId.set(r.id, r);
      if (isEligible(r, request)) {
        eligible++;
        load += r.inFlight;
      }
    }
    if (eligible === 0) return undefined;
    // Bounded load: nobody may exceed ceil(c × (load + this request) / eligible).
    const bound = Math.ceil((this.loadFactor * (load + 1)) / eligible);
    let i = lowerBound(ring.points, hash32(key));
    const seen = new Set<string>();
    let firstEligible: Replica | undefined;
    for (let step = 0; step < ring.points.length && seen.size < byId.size; step++, i++) {
      const id = ring.owners[i % ring.points.length]!;
      if (seen.has(id)) continue;
      seen.add(id);
      const r = byId.get(id);
      if (!r || !isEligible(r, request)) continue;
      firstEligible ??= r;
      if (r.inFlight < bound) return r;
    }
    return firstEligible;
  }

  onStart(): void {}
  onDone(): void {}

  onMembershipChange(replicas: readonly Replica[]): void {
    this.ringFor(replicas);
  }

  private ringFor(replicas: readonly Replica[]): Ring {
    let sig = '';
    for (const r of replicas) sig += `${r.id}*${r.weight};`;
    if (sig === this.ring.signature) return this.ring;
    const entries: Array<[number, string]> = [];
    for (const r of replicas) {
      const n = Math.max(1, Math.round(this.vnodes * (r.weight > 0 ? r.weight : 1)));
      for (let v = 0; v < n; v++) entries.push([hash32(`${r.id}#${v}`), r.id]);
    }
    entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    this.ring = {
      signature: sig,
      points: Uint32Array.from(entries, (e) => e[0]),
      owners: entries.map((e) => e[1]),
    };
    return this.ring;
  }
}

/** First index whose point is >= h (wrapping to 0 past the end). */
function lowerBound(points: Uint32Array, h: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]! < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === points.length ? 0 : lo;
}
