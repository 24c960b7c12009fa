// One short, bounded `lep optimize` run end to end on loopback: a tiny MLP trained in the test,
// one compressed variant, real replica processes under autocannon load, and every report file.
// A second run is interrupted with SIGINT and must still write a partial report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, take } from '../src/data/index.js';
import { buildStudent, fitGraph, GraphProgram } from '../src/compress/index.js';
import { type NavigatorReport } from '../src/navigator/index.js';

const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
let dir: string;
let modelPath: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lep-optimize-'));
  const p = new GraphProgram(buildStudent({ kind: 'mlp', sizes: [32] }, { name: 'input', shape: ['N', 784], sample: [1, 28, 28], classes: 10, outputName: 'logits' }));
  fitGraph(p, take(loadDataset('mnist-small').train, 2000), { epochs: 1, lr: 3e-3 });
  modelPath = join(dir, 'model.onnx');
  writeFileSync(modelPath, p.toBytes());
});

after(() => rmSync(dir, { recursive: true, force: true }));

const common = (out: string) => [
  '--import', 'tsx', CLI, 'optimize', '--model', modelPath, '--dataset', 'mnist', '--out', out,
  '--variants', 'int8-dynamic', '--no-distill', '--min-accuracy', '0.5', '--p99-ms', '50', '--rps', '200',
  '--connections', '4', '--measure-seconds', '0.5', '--limit-train', '500', '--limit-test', '300',
];

test('lep optimize with a tiny budget writes report.json, report.md, pareto.svg and pareto.png', { timeout: 150_000 }, () => {
  const out = join(dir, 'report');
  const r = spawnSync(process.execPath, [...common(out), '--budget-minutes', '0.4'], { encoding: 'utf8', timeout: 140_000 });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as NavigatorReport;
  assert.equal(report.partial, false);
  assert.deepEqual(report.variants.map((v) => v.name), ['original', 'int8-dynamic']);
  assert.ok(report.measurements.length >= 2, `${report.measurements.length} measurements`);
  assert.ok(report.naive && report.naive.config.maxBatch === 1 && report.naive.config.replicas === 1);
  for (const m of report.measurements) {
    assert.ok(m.rps > 0 && m.p99Ms >= m.p50Ms && m.coresUsed > 0 && m.peakRssMb > 0, JSON.stringify(m));
    assert.ok(Number.isFinite(m.costPerMillion) && m.costPerMillion > 0);
  }
  assert.ok(report.front.length >= 1);
  assert.ok(report.recommendation.text.length > 0);
  assert.ok(report.elapsedSeconds < 0.4 * 60 + 30, `ran ${report.elapsedSeconds} s on a 24 s budget`);
  assert.match(readFileSync(join(out, 'pareto.svg'), 'utf8'), /^<svg[\s\S]*<\/svg>$/);
  assert.deepEqual([...readFileSync(join(out, 'pareto.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /## Recommendation/);
  assert.match(r.stdout, /report: /);
});

test('Ctrl-C ends the search with the partial report written', { timeout: 120_000 }, async () => {
  const out = join(dir, 'partial');
  const child = spawn(process.execPath, [...common(out), '--budget-minutes', '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const code = await new Promise<number | null>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Interrupt once serving has started (the first setting is being measured).
      if (/original t1 r1 b1/.test(stderr) && !child.killed) setTimeout(() => child.kill('SIGINT'), 1500);
    });
    child.on('exit', (c) => {
      clearTimeout(kill);
      resolve(c);
    });
  });
  assert.equal(code, 130, stderr);
  assert.ok(existsSync(join(out, 'report.json')), stderr);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as NavigatorReport;
  assert.equal(report.partial, true);
  assert.ok(existsSync(join(out, 'pareto.png')));
});

test('bad optimize arguments exit 2 with a typed error', () => {
  for (const bad of [['--min-accuracy', '2'], ['--variants', 'int3']]) {
    const r = spawnSync(process.execPath, [...common(join(dir, 'bad')), ...bad], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, `${bad.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /LEPTON_ERR_INVALID_ARGUMENT/);
  }
});
