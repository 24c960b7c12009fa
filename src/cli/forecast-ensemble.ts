/**
 * Seed ensembles of recurrent forecasters as one network, so the ensemble exports and serves like a
 * single model: S networks [recurrent(H) → last step → linear] become one [recurrent(S·H) → last
 * step → linear] whose hidden units sit side by side (block-diagonal recurrent and inter-layer
 * weights, so the S copies never mix) and whose head averages the S heads. Its output equals the
 * mean of the S outputs, up to float rounding. With LSTNet's highway (an `ar_highway` around that
 * body) the bodies merge as above and the S linear AR terms are averaged (a mean of linear maps).
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type ArHighway, buildModule, type LayerSpec, type ModelArch, type Module } from '../nn/index.js';
import { GATE_COUNT, type CellKind } from '../tensor/index.js';

type RecurrentSpec = { type: 'lstm' | 'gru' | 'rnn'; inputSize: number; hiddenSize: number; numLayers?: number; nonlinearity?: 'tanh' | 'relu' };

/** The averaged network of `models` (all built from `arch`: recurrent, last_step, linear, optionally inside an ar_highway). */
export function mergeEnsemble(models: readonly Module[], arch: ModelArch): { model: Module; arch: ModelArch } {
  const top = arch.model as LayerSpec;
  if (top.type !== 'ar_highway') return mergeBodies(models, arch);
  const bodies = mergeBodies(
    models.map((m) => (m as ArHighway).body),
    { ...arch, model: { type: 'sequential', layers: top.body } },
  );
  const mergedArch: ModelArch = { ...arch, name: bodies.arch.name, model: { ...top, body: (bodies.arch.model as { layers: LayerSpec[] }).layers } };
  const merged = buildModule(mergedArch.model, { rng: new Rng(0) });
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of bodies.model.stateDict()) out.set(`body.${name}`, { shape: [...t.shape], data: t.data });
  for (const name of ['ar.weight', 'ar.bias']) {
    const first = models[0]!.stateDict().get(name)!;
    const data = new Float32Array(first.data.length);
    for (const m of models) {
      const d = m.stateDict().get(name)!.data;
      for (let i = 0; i < data.length; i++) data[i]! += d[i]! / models.length;
    }
    out.set(name, { shape: [...first.shape], data });
  }
  merged.loadStateDict(out);
  merged.eval();
  return { model: merged, arch: mergedArch };
}

function mergeBodies(models: readonly Module[], arch: ModelArch): { model: Module; arch: ModelArch } {
  const layers = (arch.model as { layers: Array<Record<string, unknown>> }).layers;
  const rec = layers[0] as unknown as RecurrentSpec;
  const head = layers[2] as { type: string; inFeatures: number; outFeatures: number };
  if (layers.length !== 3 || head.type !== 'linear' || models.length < 1) throw invalidArgument('mergeEnsemble expects [recurrent, last_step, linear] networks');
  const S = models.length;
  const H = rec.hiddenSize;
  const G = GATE_COUNT[(rec.type === 'rnn' ? 'rnn_tanh' : rec.type) as CellKind];
  const L = rec.numLayers ?? 1;
  const mergedArch: ModelArch = {
    ...arch,
    name: `${arch.name}-x${S}`,
    model: { type: 'sequential', layers: [{ ...layers[0]!, hiddenSize: S * H }, layers[1]!, { ...head, inFeatures: S * H }] } as ModelArch['model'],
  };
  const merged = buildModule(mergedArch.model, { rng: new Rng(0) });
  const states = models.map((m) => m.stateDict());
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const get = (s: number, name: string) => states[s]!.get(name)!.data;
  for (let k = 0; k < L; k++) {
    // Rows (gate g, copy s, unit j) ← copy s's row (g, j); columns over hidden inputs go block-diagonal.
    const rows = (name: string, cols: number, blockCols: boolean) => {
      const inC = blockCols ? S * cols : cols;
      const data = new Float32Array(G * S * H * inC);
      for (let s = 0; s < S; s++) {
        const src = get(s, `0.${name}`);
        for (let g = 0; g < G; g++) {
          for (let j = 0; j < H; j++) {
            const dst = ((g * S + s) * H + j) * inC + (blockCols ? s * cols : 0);
            data.set(src.subarray((g * H + j) * cols, (g * H + j + 1) * cols), dst);
          }
        }
      }
      out.set(`0.${name}`, { shape: cols === 1 && name.startsWith('bias') ? [G * S * H] : [G * S * H, inC], data });
    };
    rows(`weight_ih_l${k}`, k === 0 ? rec.inputSize : H, k > 0);
    rows(`weight_hh_l${k}`, H, true);
    if (states[0]!.has(`0.bias_ih_l${k}`)) {
      rows(`bias_ih_l${k}`, 1, false);
      rows(`bias_hh_l${k}`, 1, false);
    }
  }
  const K = head.outFeatures;
  const w = new Float32Array(K * S * H);
  const b = new Float32Array(K);
  for (let s = 0; s < S; s++) {
    const ws = get(s, '2.weight');
    const bs = get(s, '2.bias');
    for (let o = 0; o < K; o++) {
      for (let j = 0; j < H; j++) w[o * S * H + s * H + j] = ws[o * H + j]! / S;
      b[o]! += bs[o]! / S;
    }
  }
  out.set('2.weight', { shape: [K, S * H], data: w });
  out.set('2.bias', { shape: [K], data: b });
  merged.loadStateDict(out);
  merged.eval();
  return { model: merged, arch: mergedArch };
}
