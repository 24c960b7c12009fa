/**
 * Transfer learning for `lep train`: the dataset class filter (`--classes 5-9 --per-class 100`),
 * the freeze pattern (`--freeze 0-3`, `--freeze conv*`), and the model setup behind
 * `--init-from … --new-head N --lr-head X` (load, re-head, freeze, optimizer parameter groups).
 * Kept apart from train-job.ts so the job itself stays a straight pipeline.
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type ImageDataset } from '../data/index.js';
import { type Checkpoint, type Module, type ParamGroup, Sequential } from '../nn/index.js';

/** Parse "5-9" or "0,2,4" or "1-3,7" into a sorted list of distinct non-negative integers. */
export function parseIndexList(spec: string, what: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw invalidArgument(`${what} ${JSON.stringify(spec)}: expected indices and ranges like 0-3 or 1,4,7`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw invalidArgument(`${what} ${JSON.stringify(spec)}: range ${a}-${b} runs backwards`);
    for (let i = a; i <= b; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * Keep the samples whose class is in `classes` (labels renumbered 0..k-1 in that order), at most
 * `perClass` of each (the first ones, so runs are reproducible). Copies: loaders share their arrays.
 */
export function filterClasses(ds: ImageDataset, classes: readonly number[] | undefined, perClass?: number): ImageDataset {
  const keep = classes ?? [...Array(ds.numClasses).keys()];
  for (const c of keep) if (c >= ds.numClasses) throw invalidArgument(`class ${c} does not exist: ${ds.name} has classes 0-${ds.numClasses - 1}`);
  if (perClass !== undefined && (!Number.isInteger(perClass) || perClass < 1)) throw invalidArgument(`per-class count must be a positive integer, got ${perClass}`);
  const remap = new Map(keep.map((c, i) => [c, i]));
  const counts = new Array<number>(keep.length).fill(0);
  const rows: number[] = [];
  for (let i = 0; i < ds.n; i++) {
    const k = remap.get(ds.y[i]!);
    if (k === undefined || (perClass !== undefined && counts[k]! >= perClass)) continue;
    counts[k]!++;
    rows.push(i);
  }
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const x = new Float32Array(rows.length * size);
  const y = new Int32Array(rows.length);
  rows.forEach((r, j) => {
    x.set(ds.x.subarray(r * size, (r + 1) * size), j * size);
    y[j] = remap.get(ds.y[r]!)!;
  });
  return { ...ds, x, y, n: rows.length, numClasses: keep.length, labels: keep.map((c) => ds.labels[c] ?? String(c)) };
}

function layerType(m: Module): string {
  return String(m.spec()['type']);
}

/**
 * The layers of `model` a freeze pattern names: comma-separated items, each an index, an index
 * range ("0-3") or a glob over layer types ("conv*", "batchnorm2d"). An item that matches no
 * layer, an index past the end or a malformed item is LEPTON_ERR_INVALID_ARGUMENT.
 */
export function freezeTargets(model: Sequential, pattern: string): number[] {
  const n = model.layers.length;
  const hit = new Set<number>();
  const items = pattern.split(',').map((s) => s.trim());
  for (const item of items) {
    if (/^\d+(-\d+)?$/.test(item)) {
      const idx = parseIndexList(item, '--freeze');
      const bad = idx.find((i) => i >= n);
      if (bad !== undefined) throw invalidArgument(`--freeze ${JSON.stringify(pattern)}: layer ${bad} does not exist (the model has layers 0-${n - 1})`);
      idx.forEach((i) => hit.add(i));
      continue;
    }
    if (!/^[a-z0-9_*?]+$/i.test(item)) {
      throw invalidArgument(`--freeze ${JSON.stringify(pattern)}: ${JSON.stringify(item)} is neither an index range (0-3) nor a layer-type glob (conv*)`);
    }
    const re = new RegExp(`^${item.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    const found = model.layers.flatMap((l, i) => (re.test(layerType(l)) ? [i] : []));
    if (found.length === 0) {
      const types = [...new Set(model.layers.map(layerType))].join(', ');
      throw invalidArgument(`--freeze ${JSON.stringify(pattern)}: ${JSON.stringify(item)} matches no layer (layer types here: ${types})`);
    }
    found.forEach((i) => hit.add(i));
  }
  return [...hit].sort((a, b) => a - b);
}

export interface TransferOptions {
  /** Replace the classifier with a fresh one of this many classes. */
  newHead?: number;
  freeze?: string;
  /** Learning rate of the head's parameter group (the rest keeps the job's lr). */
  lrHead?: number;
  /** Seed of the new head's weights. */
  seed: number;
}

export interface TransferSetup {
  /** What the optimizer gets: one group, or "body" and "head" groups. */
  params: ParamGroup[];
  /** Indices of the frozen layers. */
  frozen: number[];
  headIndex: number;
}

/** Output count of a checkpoint's classifier (the head layer's weight rows), if it has one. */
export function checkpointClasses(ck: Checkpoint, headIndex: number): number | undefined {
  return ck.state.get(`${headIndex}.weight`)?.shape[0];
}

/** Re-head, freeze and group the parameters of a model already loaded from its checkpoint. */
export function setupTransfer(model: Module, o: TransferOptions): TransferSetup {
  if (!(model instanceof Sequential)) throw invalidArgument('--freeze and --new-head need a Sequential model');
  if (o.lrHead !== undefined && !(o.lrHead > 0 && Number.isFinite(o.lrHead))) throw invalidArgument(`--lr-head must be a positive number, got ${o.lrHead}`);
  if (o.newHead !== undefined) model.replaceHead(o.newHead, { rng: new Rng(o.seed + 3) });
  const frozen = o.freeze !== undefined ? freezeTargets(model, o.freeze) : [];
  for (const i of frozen) model.layers[i]!.freeze();
  if (model.trainableParameters().length === 0) throw invalidArgument(`--freeze ${JSON.stringify(o.freeze)} freezes every layer: nothing is left to train`);
  const headIndex = model.headIndex();
  const head = headIndex >= 0 ? model.layers[headIndex]!.trainableParameters() : [];
  if (o.lrHead === undefined || head.length === 0) return { params: [{ name: 'all', params: model.trainableParameters() }], frozen, headIndex };
  const headSet = new Set(head);
  const body = model.trainableParameters().filter((p) => !headSet.has(p));
  const params: ParamGroup[] = [];
  if (body.length > 0) params.push({ name: 'body', params: body });
  params.push({ name: 'head', params: head, lr: o.lrHead });
  return { params, frozen, headIndex };
}
