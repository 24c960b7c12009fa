// Machine-readable bench results (issue 20): every ratio a benchmark prints is also recorded here,
// one JSON line per ratio, into the file named by BENCH_REPORT_FILE (set by bench/run-all.ts). Run
// alone, a bench records nothing. bench/run-all.ts gathers the lines into docs/bench/latest.json,
// bench/readme-table.ts renders the README table from it, bench/compare.ts diffs two reports.
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Which way is better for a ratio: 'lower' for times and sizes, 'higher' for throughput. */
export type Better = 'lower' | 'higher';

export interface BenchRecord {
  /** The benchmark file (train, gateway, …). */
  bench: string;
  /** Stable id within the bench, e.g. `mlp-b128-epoch`. */
  id: string;
  what: string;
  ours: number;
  peer: number;
  peerName: string;
  /** ours ÷ peer. */
  ratio: number;
  better: Better;
  /** The ratio the issue asks for, or null where none is set. */
  target: number | null;
  /** Whether the ratio meets the target; null without a target. */
  met: boolean | null;
  unit: string;
  notes?: string;
  /** Per-round ratios, where the bench ran interleaved rounds (compare.ts looks at each). */
  rounds?: number[];
}

export interface RecordInput {
  id: string;
  what: string;
  ours: number;
  peer: number;
  peerName: string;
  unit: string;
  /** Defaults to ours ÷ peer. */
  ratio?: number;
  /** Defaults to 'lower'. */
  better?: Better;
  target?: number | null;
  /** Defaults to comparing the ratio with the target in the `better` direction. */
  met?: boolean | null;
  notes?: string;
  rounds?: number[];
}

/** Whether `ratio` meets `target` in direction `better`. */
export function meets(ratio: number, target: number, better: Better): boolean {
  return better === 'lower' ? ratio <= target : ratio >= target;
}

/** Fill the defaults of one record. */
export function toRecord(r: RecordInput, bench: string): BenchRecord {
  const ratio = r.ratio ?? r.ours / r.peer;
  const better = r.better ?? 'lower';
  const target = r.target ?? null;
  const out: BenchRecord = {
    bench,
    id: r.id,
    what: r.what,
    ours: r.ours,
    peer: r.peer,
    peerName: r.peerName,
    ratio,
    better,
    target,
    met: r.met !== undefined ? r.met : target === null || !Number.isFinite(ratio) ? null : meets(ratio, target, better),
    unit: r.unit,
  };
  if (r.notes !== undefined) out.notes = r.notes;
  if (r.rounds !== undefined) out.rounds = r.rounds;
  return out;
}

/** Record one ratio; a no-op unless BENCH_REPORT_FILE is set. */
export function record(r: RecordInput): void {
  const file = process.env['BENCH_REPORT_FILE'];
  if (!file) return;
  const bench = process.env['BENCH_NAME'] ?? basename(process.argv[1] ?? 'bench').replace(/\.ts$/, '');
  appendFileSync(file, JSON.stringify(toRecord(r, bench)) + '\n');
}
