/**
 * `lep train --task forecast`: a recurrent forecaster for one column of a CSV series. W past values
 * → the next K, trained on level-normalised windows (data/series.ts) with MSE, Adam and gradient
 * clipping, scored on the held-out tail against seasonal-naive and linear-AR baselines. The epoch
 * count is chosen on a validation split carved from the end of the training part (never the tail);
 * several seeds train and are served as their mean, merged into one network (forecast-ensemble.ts).
 * The ONNX it writes takes raw windows [N, W, 1] and answers raw levels [N, K]: the normalisation
 * (subtract the last value, divide by the scale) and its inverse are nodes around the exported
 * network, so the photon path serves it as is.
 */
import { join } from 'node:path';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { makeDirs, writeFileAtomic } from '../core/fs.js';
import { type ProgressSink, noProgress } from '../core/progress.js';
import { Rng } from '../core/rng.js';
import { Tensor, mseLoss, noGrad } from '../tensor/index.js';
import { Adam, type ArHighway, buildModule, checkpointBytes, clipGradNorm, type LayerSpec, type ModelArch, type Module } from '../nn/index.js';
import { exportOnnx } from '../onnx/export.js';
import { attr, buildModel } from '../onnx/builder.js';
import { toSpec } from '../onnx/quantize-graph.js';
import { readModel } from '../onnx/reader.js';
import { mergeEnsemble } from './forecast-ensemble.js';
import { FEATURES, actuals, lineWeight, type ForecastBase, denormalise, forecastErrors, linearAR, readSeries, seasonalNaive, splitSeries, type ForecastErrors, type SeriesSplit, type Windows } from '../data/series.js';

export interface ForecastJobOptions {
  series: string;
  column: string;
  window: number;
  horizon: number;
  /** 'lstm' (default), 'gru' or 'rnn'. */
  arch?: string;
  hidden?: number;
  layers?: number;
  /** Most epochs per seed (default 150; early stopping usually ends sooner). */
  epochs?: number;
  batchSize?: number;
  lr?: number;
  /** Season length of the seasonal-naive baseline (default 12: monthly data). */
  period?: number;
  /** What the network's forecast adds to (default 'ar': it learns the linear autoregression's residual). */
  base?: ForecastBase;
  /** Share of the series held out at the end (default 0.2). */
  testFraction?: number;
  /** Share of the training part (its end) held out for early stopping and seed choice (default 0.2). */
  valFraction?: number;
  /** Networks trained from different seeds and served as their mean, one network (default 3). */
  seeds?: number;
  /**
   * LSTNet's autoregressive highway (Lai et al. 2018): the forecast is a Linear over the window's
   * features (a linear AR term per horizon step) plus the recurrent net's output, trained end to
   * end, so the network contains a linear model and learns a nonlinear correction. Default true
   * with highwayInit 'zero': on co2's validation split (bench/forecast-val.ts, never the test tail)
   * it had MAE 0.422 against 0.426 without the highway (0.428 uniform init, 0.487 with base 'last').
   */
  highway?: boolean;
  /**
   * The highway's initial weights: 'zero' (default), so the network starts exactly at its base
   * forecast (with base 'ar': the least-squares AR model), or 'uniform' (PyTorch's Linear init).
   */
  highwayInit?: 'uniform' | 'zero';
  /** Epochs without a better validation MAE before a seed stops (default 20). */
  patience?: number;
  seed?: number;
  outDir: string;
  progress?: ProgressSink;
}

export interface ForecastMetrics {
  task: 'forecast';
  series: string;
  column: string;
  arch: string;
  window: number;
  horizon: number;
  /** What the network's output is added to (ForecastBase). */
  base: ForecastBase;
  hidden: number;
  layers: number;
  /** LSTNet's AR highway around the recurrent net (ForecastJobOptions.highway). */
  highway: boolean;
  epochs: number;
  values: number;
  train_windows: number;
  test_windows: number;
  test_from_index: number;
  scale: number;
  seconds: number;
  /** Held-out tail errors in the series' units, over every test window and horizon step. */
  model: ForecastErrors;
  seasonal_naive: ForecastErrors & { period: number };
  linear_ar: ForecastErrors;
  beats_baselines: boolean;
  /** Model selection on the end of the training part (never the test tail): the chosen seed and epoch count. */
  validation: { from_index: number; windows: number; seeds: number; epochs: number; model_mae: number; linear_ar_mae: number; seasonal_naive_mae: number };
  history: Array<{ epoch: number; train_mse: number }>;
}

const ARCHS = ['lstm', 'gru', 'rnn'] as const;

function predict(model: Module, w: Windows, W: number, K: number): Float32Array {
  return noGrad(() => model.forward(new Tensor(w.x, [w.m, W, FEATURES])).data.slice(0, w.m * K));
}

/**
 * The deployable graph: raw window [N, W, 1] in, raw levels [N, K] out, the network's own graph in
 * between. Features and base are linear in the window, so they are constant MatMuls: the fitted
 * line and the last value at each step (the two input features), and the base forecast [W, K] + b.
 */
function servingOnnx(model: Module, s: SeriesSplit, meta: Record<string, string>): Uint8Array {
  const [W, K] = [s.window, s.horizon];
  const spec = toSpec(readModel(exportOnnx(model, { inputShape: [W, FEATURES], inputName: 'window_norm', outputName: 'forecast_norm', opset: 14, metadata: meta })));
  const c = (name: string, dtype: 'float32' | 'int64', dims: number[], data: number[]) => spec.initializers.push({ name, dtype, dims, data: dtype === 'float32' ? Float32Array.from(data) : data });
  c('series_flat', 'int64', [2], [0, W]);
  c('series_axes', 'int64', [1], [2]);
  c('series_line', 'float32', [W, W], Array.from({ length: W * W }, (_, q) => lineWeight(W, q % W, Math.floor(q / W)))); // [i, j]
  c('series_last', 'float32', [W, W], Array.from({ length: W * W }, (_, q) => (Math.floor(q / W) === W - 1 ? 1 : 0)));
  c('series_base_w', 'float32', [W, K], Array.from(s.baseMap.subarray(0, W * K)));
  c('series_base_b', 'float32', [K], Array.from(s.baseMap.subarray(W * K)));
  c('series_inv_scale', 'float32', [], [1 / s.scale]);
  c('series_scale', 'float32', [], [s.scale]);
  const node = (opType: string, inputs: string[], outputs: string[], attrs = {}) => ({ opType, inputs, outputs, attrs, name: outputs[0]! });
  /** (window − window·M) / scale as a [N, W, 1] feature. */
  const feature = (m: string, out: string) => [
    node('MatMul', ['window_flat', m], [`${out}_ref`]),
    node('Sub', ['window_flat', `${out}_ref`], [`${out}_dev`]),
    node('Mul', [`${out}_dev`, 'series_inv_scale'], [`${out}_n`]),
    node('Unsqueeze', [`${out}_n`, 'series_axes'], [out]),
  ];
  const before = [
    node('Reshape', ['window', 'series_flat'], ['window_flat']), // [N, W]
    ...feature('series_line', 'feature_line'),
    ...feature('series_last', 'feature_last'),
    node('Concat', ['feature_line', 'feature_last'], ['window_norm'], { axis: attr.int(2) }), // [N, W, 2]
  ];
  const after = [
    node('MatMul', ['window_flat', 'series_base_w'], ['forecast_base_w']),
    node('Add', ['forecast_base_w', 'series_base_b'], ['forecast_base']), // [N, K]
    node('Mul', ['forecast_norm', 'series_scale'], ['forecast_offset']),
    node('Add', ['forecast_offset', 'forecast_base'], ['forecast']),
  ];
  spec.nodes = [...before, ...spec.nodes, ...after];
  spec.inputs = [{ name: 'window', dtype: 'float32', shape: ['N', W, 1] }];
  spec.outputs = [{ name: 'forecast', dtype: 'float32', shape: ['N', K] }];
  return buildModel(spec);
}

interface TrainSetup {
  netArch: ModelArch;
  zeroHighway: boolean;
  batchSize: number;
  lr: number;
}

/** One network in training on a split's windows: MSE, Adam, gradient clipping at norm 1; `epoch()` runs one epoch and returns its MSE. */
function trainer(s: SeriesSplit, t: TrainSetup, seed: number): { model: Module; epoch: () => number } {
  const [W, K] = [s.window, s.horizon];
  const model = buildModule(t.netArch.model, { rng: new Rng(seed) });
  if (t.zeroHighway) for (const p of (model as ArHighway).ar.parameters()) p.data.fill(0);
  const opt = new Adam(model.parameters(), { lr: t.lr });
  const shuffle = new Rng(seed + 1);
  const xb = new Float32Array(t.batchSize * W * FEATURES);
  const yb = new Float32Array(t.batchSize * K);
  const epoch = (): number => {
    model.train();
    const order = shuffle.permutation(s.train.m);
    let total = 0;
    for (let b = 0; b < s.train.m; b += t.batchSize) {
      const n = Math.min(t.batchSize, s.train.m - b);
      for (let i = 0; i < n; i++) {
        const r = order[b + i]!;
        xb.set(s.train.x.subarray(r * W * FEATURES, (r + 1) * W * FEATURES), i * W * FEATURES);
        yb.set(s.train.y.subarray(r * K, (r + 1) * K), i * K);
      }
      model.zeroGrad();
      const loss = mseLoss(model.forward(new Tensor(xb.subarray(0, n * W * FEATURES), [n, W, FEATURES])), yb.subarray(0, n * K));
      loss.backward();
      clipGradNorm(model.parameters(), 1);
      opt.step();
      total += loss.item() * n;
    }
    model.eval();
    return total / s.train.m;
  };
  return { model, epoch };
}

/** The seeds' mean forecast (normalised units) on windows w. */
function ensemblePredict(models: readonly Module[], w: Windows, W: number, K: number): Float32Array {
  const sum = new Float32Array(w.m * K);
  for (const m of models) {
    const p = predict(m, w, W, K);
    for (let i = 0; i < sum.length; i++) sum[i]! += p[i]! / models.length;
  }
  return sum;
}

/**
 * Model selection without the test tail: the training part is split again in time (its last
 * `valFraction` becomes validation, with its own base map and scale fitted on what is left), the
 * seeds train side by side, and the epoch count where their mean forecast has the lowest
 * validation MAE wins (training stops `patience` epochs after the best).
 */
function selectEpochs(values: Float64Array, cut: number, o: { W: number; K: number; valFraction: number; base: ForecastBase; seeds: number[]; maxEpochs: number; patience: number; period: number }, t: TrainSetup, progress: ProgressSink): ForecastMetrics['validation'] {
  const prefix = values.subarray(0, cut);
  const sv = splitSeries(prefix, o.W, o.K, o.valFraction, o.base);
  const truth = actuals(prefix, o.K, sv.test);
  const ar = forecastErrors(linearAR(prefix, sv)(sv.test), truth);
  const naive = forecastErrors(seasonalNaive(prefix, o.K, sv.test, o.period), truth);
  const nets = o.seeds.map((seed) => trainer(sv, t, seed));
  let best = { epochs: 1, mae: Infinity };
  for (let epoch = 1; epoch <= o.maxEpochs && epoch - best.epochs < o.patience; epoch++) {
    const mse = nets.reduce((acc, n) => acc + n.epoch(), 0) / nets.length;
    const pred = ensemblePredict(nets.map((n) => n.model), sv.test, o.W, o.K);
    const mae = forecastErrors(denormalise(prefix, sv, sv.test, pred), truth).mae;
    if (mae < best.mae) best = { epochs: epoch, mae };
    progress.update?.(epoch, o.maxEpochs, `selecting: epoch ${epoch} mse ${mse.toFixed(4)} validation MAE ${mae.toFixed(3)} (linear AR ${ar.mae.toFixed(3)})`);
  }
  return { from_index: sv.cut, windows: sv.test.m, seeds: o.seeds.length, epochs: best.epochs, model_mae: best.mae, linear_ar_mae: ar.mae, seasonal_naive_mae: naive.mae };
}

export function runForecastJob(o: ForecastJobOptions): { metrics: ForecastMetrics; files: { onnx: string; safetensors: string; metrics: string } } {
  const arch = o.arch ?? 'lstm';
  if (!(ARCHS as readonly string[]).includes(arch)) throw invalidArgument(`--task forecast needs --arch ${ARCHS.join(' | ')}, got ${JSON.stringify(arch)}`);
  const hidden = o.hidden ?? 32;
  const layers = o.layers ?? 1;
  const maxEpochs = o.epochs ?? 150;
  const batchSize = o.batchSize ?? 32;
  const period = o.period ?? 12;
  const base = o.base ?? 'ar';
  const values = readSeries(o.series, o.column);
  const s = splitSeries(values, o.window, o.horizon, o.testFraction ?? 0.2, base);
  const W = s.window;
  const K = s.horizon;
  makeDirs(o.outDir);
  const highway = o.highway ?? true;
  const body: LayerSpec[] = [{ type: arch as 'lstm', inputSize: FEATURES, hiddenSize: hidden, numLayers: layers, batchFirst: true }, { type: 'last_step' }, { type: 'linear', inFeatures: hidden, outFeatures: K }];
  const netArch: ModelArch = {
    name: `${arch}${highway ? '-highway' : ''}-forecast`,
    inputShape: [W, FEATURES],
    numClasses: K,
    model: highway ? { type: 'ar_highway', window: W, features: FEATURES, outFeatures: K, body } : { type: 'sequential', layers: body },
  };
  const progress = o.progress ?? noProgress;
  const t0 = performance.now();
  const setup = { netArch, zeroHighway: highway && (o.highwayInit ?? 'zero') === 'zero', batchSize, lr: o.lr ?? 3e-3 };
  const seeds = Array.from({ length: o.seeds ?? 3 }, (_, i) => (o.seed ?? 0) + 1000 * i);
  const validation = selectEpochs(values, s.cut, { W, K, valFraction: o.valFraction ?? 0.2, base, seeds, maxEpochs, patience: o.patience ?? 20, period }, setup, progress);
  // Retrain every seed on the whole training part for the chosen epoch count; serve their mean as one network.
  const epochs = validation.epochs;
  const nets = seeds.map((seed) => trainer(s, setup, seed));
  const history: ForecastMetrics['history'] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const mse = nets.reduce((acc, n) => acc + n.epoch(), 0) / nets.length;
    history.push({ epoch, train_mse: mse });
    progress.update?.(epoch, epochs, `training: epoch ${epoch}/${epochs} mse ${mse.toFixed(4)}`);
  }
  const merged = nets.length === 1 ? { model: nets[0]!.model, arch: netArch } : mergeEnsemble(nets.map((n) => n.model), netArch);
  const model = merged.model;
  const truth = actuals(values, K, s.test);
  const ours = forecastErrors(denormalise(values, s, s.test, predict(model, s.test, W, K)), truth);
  const naive = forecastErrors(seasonalNaive(values, K, s.test, period), truth);
  const ar = forecastErrors(linearAR(values, s)(s.test), truth);
  const metrics: ForecastMetrics = {
    task: 'forecast',
    series: o.series,
    column: o.column,
    arch,
    window: W,
    horizon: K,
    base: s.base,
    hidden,
    layers,
    highway,
    epochs,
    values: values.length,
    train_windows: s.train.m,
    test_windows: s.test.m,
    test_from_index: s.cut,
    scale: s.scale,
    seconds: (performance.now() - t0) / 1000,
    model: ours,
    seasonal_naive: { ...naive, period },
    linear_ar: ar,
    beats_baselines: ours.mae < naive.mae && ours.mae < ar.mae,
    validation,
    history,
  };
  const files = { onnx: join(o.outDir, 'model.onnx'), safetensors: join(o.outDir, 'model.safetensors'), metrics: join(o.outDir, 'metrics.json') };
  const meta = { task: 'forecast', column: o.column, window: String(W), horizon: String(K), scale: String(s.scale) };
  try {
    writeFileAtomic(files.onnx, servingOnnx(model, s, meta));
    writeFileAtomic(files.safetensors, checkpointBytes(model, merged.arch, { metadata: meta }));
    writeFileAtomic(files.metrics, JSON.stringify(metrics, null, 2) + '\n');
  } catch (err) {
    throw err instanceof LeptonError ? err : new LeptonError('LEPTON_ERR_IO', `cannot write results to ${o.outDir}`, { cause: err });
  }
  return { metrics, files };
}
