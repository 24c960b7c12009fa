// Forecasting: series windows and the held-out tail, the two baselines on series they must solve exactly,
// and the forecast job end to end on the real CO2 series (vega-datasets): its metrics, and its ONNX, which
// takes raw windows [N, W, 1] and gives the same levels on onnxruntime, the native engine, our model, and
// through the photon path (/predict {"inputs": [[...window...]]}).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, noGrad } from '../src/tensor/index.js';
import { loadCheckpoint, modelFromCheckpoint } from '../src/nn/index.js';
import { FEATURES, actuals, denormalise, forecastErrors, linearAR, readSeries, seasonalNaive, splitSeries } from '../src/data/series.js';
import { runForecastJob } from '../src/cli/forecast-job.js';
import { ortEngine } from '../src/runtime/ort-engine.js';
import { nativeEngine } from '../src/runtime/native-engine.js';
import { createPhoton } from '../src/photon/create.js';
import { servePhoton } from '../src/serve/serve-photon.js';

// The npm package vega-datasets (pinned in package.json) ships its CSVs under data/.
const CO2 = join(import.meta.dirname, '..', 'node_modules', 'vega-datasets', 'data', 'co2-concentration.csv');

test('windows: train windows forecast only before the tail, test windows only inside it', () => {
  const v = Float64Array.from({ length: 100 }, (_, i) => i * 0.5 + Math.sin(i));
  const s = splitSeries(v, 6, 3, 0.2, 'last');
  assert.equal(s.cut, 80);
  for (const o of s.train.origins) assert.ok(o >= 5 && o + 3 < 80);
  for (const o of s.test.origins) assert.ok(o + 1 >= 80 && o + 3 < 100);
  assert.equal(s.train.m, 80 - 3 - 5);
  assert.equal(s.test.m, 100 - 3 - 79);
  // 'last' targets are offsets from the window's last value, in units of the scale.
  const o = s.train.origins[4]!;
  assert.ok(Math.abs(s.train.y[4 * 3 + 1]! - (v[o + 2]! - v[o]!) / s.scale) < 1e-5);
  assert.throws(() => splitSeries(v, 90, 3), /too short/);
});

test('baselines: seasonal-naive is exact on a periodic series, linear AR on an AR(2) process', () => {
  const periodic = Float64Array.from({ length: 120 }, (_, i) => [3, 1, 4, 1, 5, 9][i % 6]!);
  const s1 = splitSeries(periodic, 8, 4, 0.25, 'last');
  assert.equal(forecastErrors(seasonalNaive(periodic, 4, s1.test, 6), actuals(periodic, 4, s1.test)).mae, 0);
  const ar = new Float64Array(150);
  ar[0] = 1;
  ar[1] = 2;
  for (let i = 2; i < ar.length; i++) ar[i] = 0.6 * ar[i - 1]! - 0.3 * ar[i - 2]! + 1 + Math.sin(i * 0.37) * 1e-9;
  const s2 = splitSeries(ar, 5, 3, 0.2, 'last');
  const e = forecastErrors(linearAR(ar, s2)(s2.test), actuals(ar, 3, s2.test));
  assert.ok(e.mae < 1e-5, `AR(2) recovered exactly, mae ${e.mae}`);
  // With base 'ar' the targets are the AR's residuals: zero here.
  const s3 = splitSeries(ar, 5, 3, 0.2, 'ar');
  assert.ok(s3.train.y.every((y) => Math.abs(y) < 1e-3));
});

test('forecast job on the CO2 series: metrics, and one ONNX serving raw windows on both engines and the photon path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-forecast-'));
  try {
    const [W, K] = [24, 12];
    const { metrics: m, files } = runForecastJob({ series: CO2, column: 'CO2', window: W, horizon: K, hidden: 8, epochs: 3, outDir: dir });
    assert.equal(m.values, 741);
    assert.ok(m.train_windows > 500 && m.test_windows > 100);
    for (const e of [m.model, m.seasonal_naive, m.linear_ar]) assert.ok(e.mae > 0 && e.rmse >= e.mae);
    assert.deepEqual(JSON.parse(readFileSync(files.metrics, 'utf8')).model, m.model);
    // In-process forecasts of the saved model, in ppm.
    const v = readSeries(CO2, 'CO2');
    const s = splitSeries(v, W, K);
    const { model } = modelFromCheckpoint(loadCheckpoint(files.safetensors));
    model.eval();
    const yn = noGrad(() => model.forward(new Tensor(s.test.x, [s.test.m, W, FEATURES]))).data;
    const ours = denormalise(v, s, s.test, yn);
    assert.ok(Math.abs(forecastErrors(ours, actuals(v, K, s.test)).mae - m.model.mae) < 1e-9);
    // The same forecasts from the ONNX, fed the raw windows.
    const raw = new Float32Array(s.test.m * W);
    s.test.origins.forEach((o, i) => {
      for (let j = 0; j < W; j++) raw[i * W + j] = v[o - W + 1 + j]!;
    });
    const bytes = readFileSync(files.onnx);
    for (const engine of [ortEngine, nativeEngine]) {
      const sess = await engine.load(bytes);
      try {
        const out = (await sess.run({ window: { data: raw, dims: [s.test.m, W, 1] } }))['forecast']!;
        assert.deepEqual(out.dims, [s.test.m, K]);
        for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(out.data[i]! - ours[i]!) < 2e-3, `${engine.name} [${i}]: ${out.data[i]} vs ${ours[i]}`);
      } finally {
        await sess.close();
      }
    }
    // The photon describes the sequence input, and /predict answers a raw window with the forecast.
    const { manifest } = await createPhoton({ name: 'co2', version: '1', model: bytes });
    assert.deepEqual(manifest.inputs, [{ name: 'window', dtype: 'float32', shape: ['N', W, 1] }]);
    assert.deepEqual(manifest.outputs, [{ name: 'forecast', dtype: 'float32', shape: ['N', K] }]);
    const h = await servePhoton({ modelFile: files.onnx, engine: 'native', port: 0 });
    try {
      const window = Array.from(raw.subarray(0, W));
      const res = await fetch(`${h.url}/predict?raw=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [window] }) });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { outputs: Record<string, { dims: number[]; data: number[] }> };
      assert.deepEqual(body.outputs['forecast']!.dims, [1, K]);
      body.outputs['forecast']!.data.forEach((y, k) => assert.ok(Math.abs(y - ours[k]!) < 2e-3));
    } finally {
      await h.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
