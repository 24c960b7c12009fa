// Every compression method end to end on real MNIST test data: a small MLP is trained in the test
// (GraphProgram + Adam, ~2 s), then each variant is built, loaded by the ort engine and scored.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, take, type ImageDataset } from '../src/data/index.js';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { buildStudent, compressModel, GraphProgram, fitGraph, accuracy, parseMethod, measureModel } from '../src/compress/index.js';
import { readModel } from '../src/onnx/reader.js';
import { weightSparsity } from '../src/onnx/prune.js';
import { LeptonError } from '../src/core/errors.js';

let train: ImageDataset;
let testSet: ImageDataset;
let model: Uint8Array;
let baseAcc: number;

before(async () => {
  const ds = loadDataset('mnist-small');
  train = take(ds.train, 4000);
  testSet = take(ds.test, 1000);
  const p = new GraphProgram(buildStudent({ kind: 'mlp', sizes: [64] }, { name: 'input', shape: ['N', 784], sample: [1, 28, 28], classes: 10, outputName: 'logits' }));
  fitGraph(p, train, { epochs: 3, lr: 2e-3 });
  model = p.toBytes();
  baseAcc = await accuracy(await ortEngine.load(model, { threads: 1 }), testSet);
  assert.ok(baseAcc > 0.85, `the test model trained to only ${baseAcc}`);
});

async function variantAccuracy(method: string, extra: { epochs?: number } = {}): Promise<{ acc: number; bytes: Uint8Array; details: Record<string, unknown> }> {
  const { bytes, report } = await compressModel({ engine: ortEngine, model, method: parseMethod(method), train, test: testSet, skipMeasure: true, calibrationSamples: 128, ...extra });
  readModel(bytes); // valid ONNX
  return { acc: await accuracy(await ortEngine.load(bytes, { threads: 1 }), testSet), bytes, details: report.details };
}

for (const method of ['int8-dynamic', 'int8-static', 'fp16']) {
  test(`${method}: loads in onnxruntime and keeps accuracy within 1.5 points on MNIST`, async () => {
    const { acc, bytes } = await variantAccuracy(method);
    assert.ok(Math.abs(acc - baseAcc) <= 0.015, `${method}: ${acc} vs fp32 ${baseAcc}`);
    assert.ok(bytes.length < (method === 'fp16' ? 0.55 : 0.3) * model.length, `${method} size ${bytes.length} vs ${model.length}`);
  });
}

test('int8-static with min-max calibration also stays within bounds', async () => {
  const { bytes } = await compressModel({ engine: ortEngine, model, method: parseMethod('int8-static'), train, test: testSet, skipMeasure: true, calibration: 'minmax', calibrationSamples: 64 });
  const acc = await accuracy(await ortEngine.load(bytes), testSet);
  assert.ok(Math.abs(acc - baseAcc) <= 0.015, `${acc} vs ${baseAcc}`);
});

test('prune:0.6 with one fine-tune epoch reaches the sparsity and keeps it through training', async () => {
  const { acc, bytes } = await variantAccuracy('prune:0.6', { epochs: 1 });
  assert.ok(Math.abs(weightSparsity(bytes) - 0.6) < 0.01);
  assert.ok(acc > baseAcc - 0.03, `${acc} vs ${baseAcc}`);
});

test('prune-structured:0.5 halves the hidden layer; fine-tuning recovers accuracy', async () => {
  const { acc, bytes } = await variantAccuracy('prune-structured:0.5', { epochs: 1 });
  assert.deepEqual(readModel(bytes).graph.initializers.get('fc0_w')!.dims, [32, 784]);
  assert.ok(acc > baseAcc - 0.04, `${acc} vs ${baseAcc}`);
});

test('distill:mlp-16 trains a smaller student from the teacher logits', async () => {
  const { acc, bytes, details } = await variantAccuracy('distill:mlp-16', { epochs: 2 });
  assert.ok(bytes.length < model.length / 3);
  assert.equal(details['student'], 'mlp-16');
  assert.ok(acc > 0.8, `student accuracy ${acc}`);
});

test('measureModel reports size, params, accuracy and positive latencies', async () => {
  const m = await measureModel(ortEngine, model, take(testSet, 200), { latencyIters: 20, throughputIters: 3, minMs: 20 });
  assert.equal(m.sizeBytes, model.length);
  assert.equal(m.params, 784 * 64 + 64 + 64 * 10 + 10);
  assert.ok(m.p50Ms > 0 && m.p99Ms >= m.p50Ms && m.throughputB64 > 0 && m.accuracy > 0.8);
});

test('method parsing rejects bad methods with INVALID_ARGUMENT', () => {
  for (const bad of ['int8', 'prune', 'prune:1', 'prune:abc', 'distill:rnn-3', 'fp16:2']) {
    assert.throws(() => parseMethod(bad), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT', bad);
  }
});

test('lep compress writes model.onnx and report.json; bad arguments exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-compress-'));
  try {
    writeFileSync(join(dir, 'in.onnx'), model);
    const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, 'compress', ...args], { encoding: 'utf8', timeout: 60_000 });
    const ok = run(['--model', join(dir, 'in.onnx'), '--method', 'int8-dynamic', '--dataset', 'mnist', '--out', join(dir, 'out'), '--limit-test', '300', '--json']);
    assert.equal(ok.status, 0, ok.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    assert.equal(report.method, 'int8-dynamic');
    assert.ok(report.ratios.size < 0.3);
    readModel(readFileSync(join(dir, 'out', 'model.onnx')));
    const bad = run(['--model', join(dir, 'in.onnx'), '--method', 'int4', '--dataset', 'mnist', '--out', join(dir, 'x')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /LEPTON_ERR_INVALID_ARGUMENT/);
    const missing = run(['--model', join(dir, 'nope.onnx'), '--method', 'fp16', '--dataset', 'mnist', '--out', join(dir, 'x')]);
    assert.equal(missing.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
