/**
 * Compares two bench reports (bench/run-all.ts JSON) and flags regressions beyond noise (issue 20):
 * a ratio worse by more than 10% in the direction that matters (`better`: lower for times, higher
 * for throughput). Where the new entry carries per-round ratios (`rounds`, at least MIN_ROUNDS),
 * every round must be worse than the old median for it to count, so one noisy round is not a
 * regression; a single-figure entry is judged on its ratio and marked as such.
 * Usage: npx tsx bench/compare.ts OLD.json NEW.json [--threshold 0.1]   (exit 1 on a regression)
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type BenchRecord } from './lib/report.js';

export const MIN_ROUNDS = 3;

export interface Comparison {
  key: string;
  what: string;
  before: number;
  after: number;
  /** after ÷ before in the "worse" direction: > 1 means worse. */
  worsening: number;
  regression: boolean;
  /** 'rounds' when judged on every round, 'single' on one figure. */
  basis: 'rounds' | 'single';
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** How much worse `after` is than `before` as a factor (> 1 worse), given the direction. */
export function worsening(before: number, after: number, better: BenchRecord['better']): number {
  return better === 'lower' ? after / before : before / after;
}

export function compareReports(before: { results: BenchRecord[] }, after: { results: BenchRecord[] }, threshold = 0.1): Comparison[] {
  const old = new Map(before.results.map((r) => [`${r.bench}/${r.id}`, r]));
  const out: Comparison[] = [];
  for (const r of after.results) {
    const key = `${r.bench}/${r.id}`;
    const o = old.get(key);
    if (!o || !Number.isFinite(o.ratio) || !Number.isFinite(r.ratio)) continue;
    const ref = o.rounds && o.rounds.length > 0 ? median(o.rounds) : o.ratio;
    const rounds = r.rounds && r.rounds.length >= MIN_ROUNDS ? r.rounds : null;
    const w = worsening(ref, rounds ? median(rounds) : r.ratio, r.better);
    const regression = rounds ? rounds.every((x) => worsening(ref, x, r.better) > 1 + threshold) : w > 1 + threshold;
    out.push({ key, what: r.what, before: ref, after: rounds ? median(rounds) : r.ratio, worsening: w, regression, basis: rounds ? 'rounds' : 'single' });
  }
  return out;
}

function main(): void {
  const [a, b] = process.argv.slice(2).filter((x) => !x.startsWith('--'));
  if (!a || !b) {
    console.error('usage: npx tsx bench/compare.ts OLD.json NEW.json [--threshold 0.1]');
    process.exit(2);
  }
  const ti = process.argv.indexOf('--threshold');
  const threshold = ti >= 0 ? Number(process.argv[ti + 1]) : 0.1;
  const read = (p: string): { results: BenchRecord[] } => JSON.parse(readFileSync(p, 'utf8')) as { results: BenchRecord[] };
  const rows = compareReports(read(a), read(b), threshold);
  console.log('| ratio | before | after | change | verdict |');
  console.log('|---|---:|---:|---:|---|');
  for (const c of rows) {
    const verdict = c.regression ? `REGRESSION (${c.basis === 'rounds' ? 'every round' : 'one figure'})` : 'ok';
    console.log(`| ${c.key} | ${c.before.toFixed(3)} | ${c.after.toFixed(3)} | ${c.worsening >= 1 ? `${((c.worsening - 1) * 100).toFixed(1)}% worse` : `${((1 - c.worsening) * 100).toFixed(1)}% better`} | ${verdict} |`);
  }
  const bad = rows.filter((c) => c.regression);
  console.log(`\n${bad.length} regression(s) beyond ${(threshold * 100).toFixed(0)}% among ${rows.length} shared ratios`);
  if (bad.length > 0) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
