/** The navigator's outputs: report.json (everything measured), report.md (for people), pareto.svg/png. */
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../core/fs.js';
import { renderPng, renderSvg } from './chart.js';
import { type Recommendation } from './pareto.js';
import { type PricedPoint, type Prices, type Targets, type VariantInfo, configKey } from './types.js';

export interface NavigatorReport {
  model: string;
  dataset: string;
  createdAt: string;
  /** True when the search was cut short (Ctrl-C or a failure) and this is what was measured so far. */
  partial: boolean;
  budgetMinutes: number;
  elapsedSeconds: number;
  machine: { cores: number; loadGenerator: string };
  targets: Targets;
  prices: Prices;
  variants: Array<VariantInfo & { served: boolean; note?: string }>;
  measurements: PricedPoint[];
  front: PricedPoint[];
  recommendation: { text: string; pick: PricedPoint | null; copies: number; others: Recommendation['others'] };
  naive: PricedPoint | null;
  /** naive cost ÷ recommended cost. */
  savingsFactor: number | null;
  gpu: string;
  notes: string[];
}

const money = (v: number): string => (Number.isFinite(v) ? (v >= 1 ? `$${v.toFixed(2)}` : `$${v.toPrecision(3)}`) : '—');

export function reportMarkdown(r: NavigatorReport): string {
  const L: string[] = [];
  L.push(`# Speed–cost navigator: ${r.model} on ${r.dataset}${r.partial ? ' (PARTIAL)' : ''}`, '');
  L.push(`Targets: accuracy ≥ ${(r.targets.minAccuracy * 100).toFixed(1)}%, p99 ≤ ${r.targets.p99Ms} ms, ${r.targets.rps} req/s. Price: $${r.prices.coreHour} per core-hour.`);
  L.push(`Searched for ${r.elapsedSeconds.toFixed(0)} s of a ${r.budgetMinutes}-minute budget on ${r.machine.cores} cores; load: ${r.machine.loadGenerator}.`, '');
  L.push('## Recommendation', '', r.recommendation.text, '');
  if (r.naive && r.savingsFactor !== null) {
    L.push(`Naive default (original model, 1 replica, 1 thread, no batching): ${Math.round(r.naive.rps)} req/s, p99 ${r.naive.p99Ms.toFixed(2)} ms, ${money(r.naive.costPerMillion)}/M → the pick is ${r.savingsFactor.toFixed(1)}× cheaper per request.`, '');
  }
  if (r.recommendation.others.length > 0) {
    L.push('## Why the others lost', '');
    for (const o of r.recommendation.others) L.push(`- **${o.variant}** (best: ${o.config}): ${o.reasons.join('; ')}`);
    L.push('');
  }
  L.push('## Variants', '', '| variant | size | accuracy | served | build s |', '|---|---|---|---|---|');
  for (const v of r.variants) L.push(`| ${v.name} | ${(v.sizeBytes / 1024).toFixed(1)} KB | ${(v.accuracy * 100).toFixed(2)}% | ${v.served ? 'yes' : `no (${v.note ?? ''})`} | ${v.buildSeconds.toFixed(1)} |`);
  L.push('', '## Pareto front (accuracy ↑, p99 ↓, cost ↓)', '', '| variant | setting | accuracy | req/s | p50 ms | p99 ms | cores | peak MB | $/M |', '|---|---|---|---|---|---|---|---|---|');
  for (const p of [...r.front].sort((a, b) => a.costPerMillion - b.costPerMillion)) {
    L.push(`| ${p.variant} | ${configKey(p.config)} | ${(p.accuracy * 100).toFixed(2)}% | ${Math.round(p.rps)} | ${p.p50Ms.toFixed(2)} | ${p.p99Ms.toFixed(2)} | ${p.coresUsed.toFixed(2)} | ${p.peakRssMb.toFixed(0)} | ${money(p.costPerMillion)} |`);
  }
  L.push('', `All ${r.measurements.length} measurements (probes included) are in report.json. Setting t=threads, r=replicas, b=max batch, w=max wait ms.`, '');
  L.push('![pareto](pareto.png)', '');
  if (r.notes.length > 0) L.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return L.join('\n');
}

/** Write report.json, report.md, pareto.svg and pareto.png into `dir`. */
export async function writeNavigatorReport(dir: string, r: NavigatorReport): Promise<{ svg: string; png: string; md: string; json: string }> {
  ensureDir(dir);
  const paths = { json: join(dir, 'report.json'), md: join(dir, 'report.md'), svg: join(dir, 'pareto.svg'), png: join(dir, 'pareto.png') };
  writeFileAtomic(paths.json, JSON.stringify(r, null, 2) + '\n');
  writeFileAtomic(paths.md, reportMarkdown(r));
  const svg = renderSvg({
    title: `${r.model} on ${r.dataset}: cost vs p99${r.partial ? ' (partial)' : ''}`,
    points: r.measurements,
    front: r.front,
    pick: r.recommendation.pick,
    p99TargetMs: r.targets.p99Ms,
    minAccuracy: r.targets.minAccuracy,
  });
  writeFileAtomic(paths.svg, svg);
  writeFileAtomic(paths.png, await renderPng(svg));
  return paths;
}
