/**
 * A small navigator report written by the navigator's own writer (report.json, report.md,
 * pareto.svg, pareto.png) from made-up measurements: what a finished `lep optimize` job leaves in
 * its artifacts, for the console's reports tests without running a search.
 */
import { writeNavigatorReport, type NavigatorReport } from '../src/navigator/report.js';
import type { PricedPoint } from '../src/navigator/types.js';

const point = (variant: string, threads: number, maxBatch: number, rps: number, p99Ms: number, accuracy: number, cost: number): PricedPoint => ({
  variant, config: { threads, replicas: 1, maxBatch, maxWaitMs: 2 }, rps, p50Ms: p99Ms / 3, p99Ms, coresUsed: threads, peakRssMb: 80, requests: Math.round(rps * 5),
  errors: 0, probeOnly: false, accuracy, costPerMillion: cost,
});

export async function writeSampleReport(dir: string): Promise<NavigatorReport> {
  const original = point('original', 1, 1, 900, 4.2, 0.975, 0.0154);
  const pick = point('int8', 1, 16, 2400, 6.1, 0.972, 0.0058);
  const measurements = [original, pick, point('int8', 2, 32, 3100, 9.5, 0.972, 0.009), point('fp16', 1, 16, 1500, 5.5, 0.975, 0.0093)];
  const report: NavigatorReport = {
    model: 'mnist-mlp', dataset: 'mnist-small', createdAt: '2026-11-25T19:00:00.000Z', partial: false, budgetMinutes: 5, elapsedSeconds: 120,
    machine: { cores: 2, loadGenerator: 'autocannon' }, targets: { minAccuracy: 0.97, p99Ms: 10, rps: 1000 }, prices: { coreHour: 0.05 },
    variants: [], measurements, front: [pick, original],
    recommendation: { text: 'Serve int8 with 1 thread, max batch 16: 2400 req/s at p99 6.1 ms for $0.00580 per million requests.', pick, copies: 1, others: [] },
    naive: original, savingsFactor: 2.66, gpu: 'none', notes: [],
  };
  await writeNavigatorReport(dir, report);
  return report;
}
