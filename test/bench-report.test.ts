// The bench report tooling (issue 20), on fixture reports: record() lines, the README table
// between its markers, the full report page, and compare.ts's direction-aware regression check.
// Correctness only: nothing here times anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareReports, worsening } from '../bench/compare.js';
import { record, toRecord } from '../bench/lib/report.js';
import { BEGIN, END, renderMarkdown, renderReadmeTable, replaceBlock, type BenchReport } from '../bench/readme-table.js';

const fixture = (name: string): BenchReport => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'bench', name), 'utf8')) as BenchReport;

test('record() appends one JSON line per ratio to BENCH_REPORT_FILE, with the defaults filled in', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const saved = { file: process.env['BENCH_REPORT_FILE'], name: process.env['BENCH_NAME'] };
  t.after(() => {
    for (const [k, v] of [['BENCH_REPORT_FILE', saved.file], ['BENCH_NAME', saved.name]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  delete process.env['BENCH_REPORT_FILE'];
  record({ id: 'x', what: 'x', ours: 1, peer: 2, peerName: 'p', unit: 's' }); // no file: nothing written, no throw
  process.env['BENCH_REPORT_FILE'] = join(dir, 'r.jsonl');
  process.env['BENCH_NAME'] = 'gateway';
  record({ id: 'p99', what: 'p99', ours: 3, peer: 12, peerName: 'nginx', unit: 'ms', target: 0.5 });
  record({ id: 'rps', what: 'rps', ours: 600, peer: 1000, peerName: 'haproxy', unit: 'req/s', better: 'higher', target: 0.75 });
  const lines = readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.deepEqual([lines[0]!['bench'], lines[0]!['ratio'], lines[0]!['better'], lines[0]!['met']], ['gateway', 0.25, 'lower', true]);
  assert.deepEqual([lines[1]!['ratio'], lines[1]!['met']], [0.6, false]);
});

test('toRecord: no target → met null; an explicit ratio and met are kept', () => {
  assert.equal(toRecord({ id: 'a', what: 'a', ours: 1, peer: 2, peerName: 'p', unit: 's' }, 'b').met, null);
  const r = toRecord({ id: 'a', what: 'a', ours: 10, peer: 20, peerName: 'p', unit: 's', ratio: 2, better: 'higher', target: 1.6 }, 'b');
  assert.deepEqual([r.ratio, r.met], [2, true]);
});

test('README table: one row per targeted ratio, pipes escaped, machine line, and the block replaced between markers', () => {
  const table = renderReadmeTable(fixture('a.json'));
  const rows = table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| bench'));
  assert.equal(rows.length, 3); // the two entries without a target stay in latest.md only
  assert.ok(rows[0]!.includes('| train | MLP epoch, batch 128, fashion-mnist | 4.00 s/epoch | pytorch (1 thread): 5.00 s/epoch | 0.800× | ≤ 1× | yes |'), rows[0]);
  assert.ok(rows[1]!.includes('| 0.750× | ≥ 0.75× | yes |'), rows[1]);
  assert.ok(rows[2]!.includes('one slow replica \\| paced'), rows[2]);
  assert.ok(table.includes('Fixture CPU @ 2.0GHz, 2 cores, 7.8 GiB RAM'));
  assert.ok(table.includes('load average 0.1 0.2 0.3 at start, 1.5 0.9 0.5 at end'));
  assert.ok(table.includes('3 of 3 targets met; every ratio (5)'));
  const readme = `# X\n\nintro\n\n${BEGIN}\nold table\n${END}\n\nprose stays\n`;
  const next = replaceBlock(readme, table);
  assert.ok(!next.includes('old table'));
  assert.ok(next.startsWith(`# X\n\nintro\n\n${BEGIN}\n${table}\n${END}`));
  assert.ok(next.endsWith('\n\nprose stays\n'));
  assert.equal(replaceBlock(next, table), next); // idempotent
  assert.throws(() => replaceBlock('# no markers\n', table), /lacks/);
});

test('the full report lists every ratio and marks a smoke run as not figures', () => {
  const full = renderMarkdown(fixture('a.json'));
  assert.equal(full.split('\n').filter((l) => /^\| (train|gateway|data) \| [a-z]/.test(l) && l.includes('×')).length, 5);
  assert.ok(full.includes('| 0.250, 0.200, 0.300 |'));
  assert.ok(!full.includes('SMOKE'));
  const smoke = renderMarkdown({ ...fixture('a.json'), kind: 'smoke' });
  assert.ok(smoke.startsWith('# Benchmark report — SMOKE RUN, NOT FIGURES'));
});

test('compare: direction-aware, > 10% worse, every round when rounds exist', () => {
  assert.ok(Math.abs(worsening(0.8, 0.92, 'lower') - 1.15) < 1e-9);
  assert.ok(Math.abs(worsening(0.75, 0.72, 'higher') - 0.75 / 0.72) < 1e-9);
  const byKey = new Map(compareReports(fixture('a.json'), fixture('b.json')).map((c) => [c.key, c]));
  assert.equal(byKey.size, 5); // the k-means entry has no old counterpart
  assert.deepEqual([byKey.get('train/mlp-b128-epoch-vs-pytorch-1-thread')!.regression, byKey.get('train/mlp-b128-epoch-vs-pytorch-1-thread')!.basis], [true, 'single']);
  assert.equal(byKey.get('gateway/even-rps-vs-haproxy')!.regression, false); // 4% worse: noise
  const slow = byKey.get('gateway/slow-replica-p99-vs-nginx-rr')!;
  assert.deepEqual([slow.regression, slow.basis, slow.before, slow.after], [true, 'rounds', 0.25, 0.35]);
  assert.equal(byKey.get('gateway/noisy-p99')!.regression, false); // one round as before
  assert.equal(byKey.get('data/load-idx-vs-numpy')!.regression, false); // faster
  // the same report against itself: nothing flagged
  assert.ok(compareReports(fixture('b.json'), fixture('b.json')).every((c) => !c.regression));
  // a higher-is-better ratio that drops 15% is flagged
  const drop = structuredClone(fixture('b.json'));
  const e = drop.results.find((r) => r.id === 'even-rps-vs-haproxy')!;
  e.ratio = 0.75 * 0.85;
  assert.equal(compareReports(fixture('a.json'), drop).find((c) => c.key === 'gateway/even-rps-vs-haproxy')!.regression, true);
});

test('README.md carries one pair of bench markers, in order, for readme-table.ts to fill', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  assert.equal(readme.split(BEGIN).length, 2);
  assert.equal(readme.split(END).length, 2);
  assert.ok(readme.indexOf(BEGIN) < readme.indexOf(END));
});
