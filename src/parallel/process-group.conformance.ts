/**
 * The one conformance suite every process-group transport passes. A case runs on every rank (as
 * the transport places ranks: threads or processes) and returns plain data; its check sees all
 * ranks' outcomes. Inputs come from seeded generators, so checks recompute them exactly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type ProcessGroup } from './process-group.js';

/** One rank's end: its returned value, or the code and message of what it threw. */
export type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** Run case `name` on `worldSize` ranks of a fresh group; resolve with each rank's outcome. */
export type Launcher = (worldSize: number, name: string) => Promise<Outcome[]>;

interface Case {
  name: string;
  run(pg: ProcessGroup): Promise<unknown>;
  check(out: Outcome[], worldSize: number): void;
}

/** Seeded inputs of rank `rank`: n floats in [-1, 1) (or integers, with `ints`). */
function input(rank: number, n: number, ints = false): Float32Array {
  const rng = new Rng(1000 + rank);
  return Float32Array.from({ length: n }, (_, i) => (ints ? (rank + 1) * (i + 1) : rng.uniform(-1, 1)));
}

function values(out: Outcome[]): Float32Array[] {
  return out.map((o, r) => {
    assert.ok(o.ok, `rank ${r} failed: ${!o.ok ? `${o.code} ${o.message}` : ''}`);
    return Float32Array.from(o.value as ArrayLike<number>);
  });
}

function sameOnAllRanks(vs: Float32Array[]): void {
  const bits = vs.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  for (let r = 1; r < vs.length; r++) assert.ok(bits[r]!.equals(bits[0]!), `rank ${r} differs bit-wise from rank 0`);
}

/** Lengths around the transports' piece and chunk sizes (the launchers set them small), and below worldSize. */
const LENGTHS = [1, 2, 7, 1000, 1001, 4099];
/** The largest case: many pieces and frames. */
const BIG = 70_001;

export const CASES: Case[] = [
  {
    name: 'all-reduce sum of integers is exact, for lengths below, at and across piece sizes',
    run: async (pg) => {
      const out: number[][] = [];
      for (const n of LENGTHS) {
        const v = input(pg.rank, n, true);
        await pg.allReduce(v, 'sum');
        out.push([...v]);
      }
      return out;
    },
    check: (out, W) => {
      for (const o of out) {
        assert.ok(o.ok, !o.ok ? o.message : '');
        (o.value as number[][]).forEach((v, k) => {
          assert.equal(v.length, LENGTHS[k]);
          v.forEach((x, i) => assert.equal(x, ((i + 1) * W * (W + 1)) / 2));
        });
      }
    },
  },
  {
    name: 'all-reduce mean of random floats: within float32 rounding of the exact mean, bit-identical on every rank',
    run: async (pg) => {
      const v = input(pg.rank, BIG);
      await pg.allReduce(v, 'mean');
      return v;
    },
    check: (out, W) => {
      const vs = values(out);
      sameOnAllRanks(vs);
      const ins = Array.from({ length: W }, (_, r) => input(r, BIG));
      for (let i = 0; i < BIG; i++) {
        let exact = 0;
        for (const x of ins) exact += x[i]!;
        assert.ok(Math.abs(vs[0]![i]! - exact / W) <= 1e-6, `element ${i}: ${vs[0]![i]} vs ${exact / W}`);
      }
    },
  },
  {
    name: 'all-reduce is deterministic: the same inputs give the same bits run after run',
    run: async (pg) => {
      const a = input(pg.rank, 5003);
      const b = input(pg.rank, 5003);
      await pg.allReduce(a, 'sum');
      await pg.allReduce(b, 'sum');
      return [Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), [...a]];
    },
    check: (out) => {
      for (const o of out) assert.ok(o.ok && (o.value as [boolean])[0] === true, 'two identical all-reduces differ');
      sameOnAllRanks(out.map((o) => Float32Array.from((o as { value: [boolean, number[]] }).value[1])));
    },
  },
  {
    name: 'several collectives in flight at once each get their own result',
    run: async (pg) => {
      const xs = [input(pg.rank, 3001, true), input(pg.rank, 17, true), input(pg.rank, 9000, true)];
      await Promise.all(xs.map((x) => pg.allReduce(x, 'sum')));
      return xs.map((x) => [...x]);
    },
    check: (out, W) => {
      for (const o of out) {
        assert.ok(o.ok, !o.ok ? o.message : '');
        for (const v of o.value as number[][]) v.forEach((x, i) => assert.equal(x, ((i + 1) * W * (W + 1)) / 2));
      }
    },
  },
  {
    name: 'broadcast copies the root tensor to every rank, for root 0 and the last rank',
    run: async (pg) => {
      const res: number[][] = [];
      for (const root of [0, pg.worldSize - 1]) {
        const v = pg.rank === root ? input(root, BIG) : new Float32Array(BIG).fill(NaN);
        await pg.broadcast(v, root);
        res.push([v[0]!, v[BIG - 1]!, v.reduce((s, x) => s + x, 0)]);
      }
      return res;
    },
    check: (out, W) => {
      for (const [k, root] of [0, W - 1].entries()) {
        const src = input(root, BIG);
        const want = [src[0]!, src[BIG - 1]!, src.reduce((s, x) => s + x, 0)];
        for (const o of out) assert.ok(o.ok && (o.value as number[][])[k]!.every((x, i) => x === want[i]), `broadcast from ${root}`);
      }
    },
  },
  {
    name: 'barrier: no rank leaves before every rank has arrived',
    run: async (pg) => {
      // Every rank is up first (threads start one by one, seconds apart on a loaded machine), then
      // rank 0 arrives late; everyone reports how long its barrier took.
      await pg.barrier();
      if (pg.rank === 0) await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await pg.barrier();
      return Date.now() - t0;
    },
    check: (out) => {
      out.forEach((o, r) => {
        assert.ok(o.ok, !o.ok ? o.message : '');
        if (r !== 0) assert.ok((o.value as number) >= 200, `rank ${r} left the barrier after ${String(o.value)} ms, before rank 0 arrived`);
      });
    },
  },
  {
    name: 'a rank that fails makes every other rank fail its next collective with PEER_LOST naming it',
    run: async (pg) => {
      if (pg.rank === 1) throw new LeptonError('LEPTON_ERR_INTERNAL', 'rank 1 gives up');
      const v = input(pg.rank, 10);
      await pg.allReduce(v);
      return 'finished';
    },
    check: (out) => {
      out.forEach((o, r) => {
        if (r === 1) return;
        assert.ok(!o.ok, `rank ${r} finished a collective without rank 1`);
        assert.equal(o.code, 'LEPTON_ERR_PEER_LOST');
        assert.match(o.message, /rank 1\b/);
      });
    },
  },
];

/** Register the suite for one transport, for each world size. */
export function processGroupConformance(transport: string, launch: Launcher, worldSizes: readonly number[] = [2, 3]): void {
  describe(`process group conformance: ${transport}`, () => {
    for (const W of worldSizes) {
      for (const c of CASES) {
        it(`${c.name} (world size ${W})`, async () => c.check(await launch(W, c.name), W));
      }
    }
  });
}

/** The case named `name` (what each rank runs). */
export function conformanceCase(name: string): Case {
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new LeptonError('LEPTON_ERR_NOT_FOUND', `no conformance case ${name}`);
  return c;
}
