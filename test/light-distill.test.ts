// distill:mobilenet-mini-W end to end on real MNIST: a small MLP teacher is trained in the test, the
// MobileNetV2-style student (grouped Convs, Clip, Add skips, GlobalAveragePool, no batch norm) is
// distilled from it through the op table, learns well above chance, and gives the same logits on
// onnxruntime and the native engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, take } from '../src/data/index.js';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { nativeEngine } from '../src/runtime/native-engine.js';
import { buildStudent, compressModel, GraphProgram, fitGraph, accuracy, parseMethod } from '../src/compress/index.js';
import { parseStudent, studentName } from '../src/compress/students.js';
import { readModel } from '../src/onnx/reader.js';

test('mobilenet-mini student names parse and print canonically', () => {
  assert.deepEqual(parseStudent('mobilenet-mini'), { kind: 'mobilenet-mini', sizes: [1] });
  assert.equal(studentName(parseStudent('mobilenet-mini-.50')), 'mobilenet-mini-0.5');
  assert.equal(parseMethod('distill:mobilenet-mini-0.75').name, 'distill:mobilenet-mini-0.75');
  assert.throws(() => parseStudent('mobilenet-mini-0'), /width multiplier/);
});

test('distill:mobilenet-mini-0.25 learns from an MLP teacher and agrees across engines', async () => {
  const ds = loadDataset('mnist-small');
  const train = take(ds.train, 1500);
  const testSet = take(ds.test, 300);
  const teacher = new GraphProgram(buildStudent({ kind: 'mlp', sizes: [32] }, { name: 'input', shape: ['N', 784], sample: [1, 28, 28], classes: 10, outputName: 'logits' }));
  fitGraph(teacher, train, { epochs: 2, lr: 3e-3 });
  const { bytes, report } = await compressModel({ engine: ortEngine, model: teacher.toBytes(), method: parseMethod('distill:mobilenet-mini-0.25'), train, test: testSet, skipMeasure: true, epochs: 3, lr: 1e-2 });
  assert.equal(report.details['student'], 'mobilenet-mini-0.25');
  const nodes = readModel(bytes).graph.nodes;
  assert.ok(nodes.some((n) => n.opType === 'Conv' && (n.attrs['group'] as { value: number }).value > 1), 'depthwise convs');
  for (const op of ['Clip', 'Add', 'GlobalAveragePool']) assert.ok(nodes.some((n) => n.opType === op), op);
  const acc = await accuracy(await ortEngine.load(bytes, { threads: 1 }), testSet);
  assert.ok(acc > 0.2, `student accuracy ${acc}`); // chance is 0.1; a few dozen steps without batch norm
  const x = Float32Array.from(testSet.x.subarray(0, 4 * 784));
  const feed = { input: { data: x, dims: [4, 784] } };
  const [a, b] = await Promise.all([ortEngine, nativeEngine].map(async (e) => (await (await e.load(bytes)).run(feed))['logits']!.data));
  for (let i = 0; i < a!.length; i++) assert.ok(Math.abs(a![i]! - b![i]!) < 1e-4, `logit ${i}: ${a![i]} vs ${b![i]}`);
});
