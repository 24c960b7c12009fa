// Explanations of a model we did not train (issue 14): a CNN exported by torch.onnx.export
// (test/fixtures/explain, made once by scripts/gen-explain-fixtures.py; conv, batch norm, ReLU, max
// and average pooling, linears and a final Softmax). Its logits equal PyTorch's, our saliency equals
// torch.autograd's gradient, IG is complete to 1% at 64 steps, and `lep explain` and POST /explain
// run on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createPhoton } from '../src/photon/create.js';
import { startServer } from '../src/serve/server.js';
import { integratedGradients, logits, onnxDifferentiable, saliency } from '../src/explain/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const FX = join(ROOT, 'test', 'fixtures', 'explain');
const MODEL = readFileSync(join(FX, 'torch-cnn.onnx'));
const REF = JSON.parse(readFileSync(join(FX, 'torch-cnn.json'), 'utf8')) as { cases: Array<{ input: number[]; logits: number[]; target: number; grad: number[] }> };

test('PyTorch-exported CNN: logits (before the Softmax) and saliency equal PyTorch autograd; IG complete at 64 steps', () => {
  const m = onnxDifferentiable(MODEL);
  assert.deepEqual(m.inputShape, [1, 12, 12]);
  for (const c of REF.cases) {
    const x = Float32Array.from(c.input);
    const out = logits(m, x, 1).data;
    c.logits.forEach((v, i) => assert.ok(Math.abs(out[i]! - v) < 1e-4, `logit ${i}: ${out[i]} vs ${v}`));
    const s = saliency(m, x);
    assert.equal(s.target, c.target);
    const scale = Math.max(...c.grad.map(Math.abs));
    c.grad.forEach((g, i) => assert.ok(Math.abs(s.signed[i]! - g) <= 1e-4 * scale + 1e-6, `grad ${i}: ${s.signed[i]} vs torch ${g}`));
    const ig = integratedGradients(m, x);
    assert.ok(Math.abs(ig.delta) <= 0.01 * Math.abs(ig.fx - ig.fBaseline), `delta ${ig.delta} vs gap ${ig.fx - ig.fBaseline}`);
  }
});

test('lep explain and POST /explain on the PyTorch export', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-explain-torch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'x.json'), JSON.stringify(REF.cases[0]!.input));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'explain', '--model', join(FX, 'torch-cnn.onnx'), '--input', join(dir, 'x.json'), '--method', 'ig', '--out', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^top class ${REF.cases[0]!.target} .*delta`));
  assert.ok(readFileSync(join(dir, 'heatmap.png')).length > 100);

  const { manifest } = await createPhoton({ name: 'torchcnn', version: '1', model: MODEL });
  const h = await startServer({ manifest, model: MODEL, port: 0, engine: 'ort', docs: false });
  t.after(() => h.close());
  const res = await fetch(`${h.url}/explain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [REF.cases[1]!.input], method: 'saliency', target: REF.cases[1]!.target }) });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { signed: number[]; heatmap_png: string };
  const g = REF.cases[1]!.grad;
  const scale = Math.max(...g.map(Math.abs));
  body.signed.forEach((v, i) => assert.ok(Math.abs(v - g[i]!) <= 1e-4 * scale + 1e-6, `grad ${i}`));
  assert.ok(body.heatmap_png.length > 100);
});
