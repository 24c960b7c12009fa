/**
 * The layer registry: every layer type, each declared once in layer-defs/ (spec fields, checks,
 * builder, example). The spec union, the list of type names and `buildModule` derive from it;
 * the ONNX exporters (onnx/export-registry.ts, a higher layer) are keyed by the same type names.
 */
import { invalidArgument } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { type InitScheme } from './init.js';
import { type AnySpec, type LayerDef, type ParseContext } from './layer-def.js';
import { type Module } from './module.js';
import { linearLayer } from './layer-defs/linear.js';
import { conv2dLayer } from './layer-defs/conv2d.js';
import { maxPool2dLayer, avgPool2dLayer } from './layer-defs/pool2d.js';
import { batchNorm1dLayer, batchNorm2dLayer } from './layer-defs/batchnorm.js';
import { dropoutLayer, softmaxLayer, flattenLayer, reluLayer, sigmoidLayer, tanhLayer } from './layer-defs/activations.js';
import { sequentialLayer } from './layer-defs/sequential.js';
import { rnnLayer, lstmLayer, gruLayer, lastStepLayer } from './layer-defs/recurrent.js';
import { embeddingLayer } from './layer-defs/embedding.js';
import { arHighwayLayer } from './layer-defs/highway.js';
import { relu6Layer, hardswishLayer, globalAvgPool2dLayer, convBnActLayer, invertedResidualLayer } from './layer-defs/light.js';

/** Every layer type. Adding a layer: its file in layer-defs/, one line here, its exporter in onnx/export-registry.ts. */
export const LAYER_DEFS = [
  linearLayer,
  conv2dLayer,
  maxPool2dLayer,
  avgPool2dLayer,
  batchNorm1dLayer,
  batchNorm2dLayer,
  dropoutLayer,
  softmaxLayer,
  flattenLayer,
  reluLayer,
  sigmoidLayer,
  tanhLayer,
  sequentialLayer,
  rnnLayer, lstmLayer, gruLayer, lastStepLayer,
  embeddingLayer,
  arHighwayLayer,
  relu6Layer, hardswishLayer, globalAvgPool2dLayer, convBnActLayer, invertedResidualLayer,
] as const;

type SpecOfDef<D> = D extends LayerDef<infer S> ? S : never;

/** One layer (or a Sequential of layers) as JSON. Field names follow PyTorch's constructor arguments. */
export type LayerSpec = SpecOfDef<(typeof LAYER_DEFS)[number]>;
export type LayerType = LayerSpec['type'];

export const LAYER_TYPES: readonly LayerType[] = LAYER_DEFS.map((d) => d.type);

const BY_TYPE = new Map<string, LayerDef>(LAYER_DEFS.map((d) => [d.type, d as LayerDef]));

/** The registry entry of a layer type (INVALID_ARGUMENT, listing the known types, for any other). */
export function layerDef<T extends LayerType>(type: T): LayerDef<Extract<LayerSpec, { type: T }>>;
export function layerDef(type: string): LayerDef;
export function layerDef(type: string): LayerDef {
  const d = BY_TYPE.get(type);
  if (!d) throw invalidArgument(`layer spec: unknown layer ${JSON.stringify(type)}; known: ${LAYER_TYPES.join(', ')}`);
  return d;
}

const parseContext: ParseContext = { parse: (raw, where) => parseAt(raw, where) };

function parseAt(raw: unknown, where: string): AnySpec {
  const type = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !BY_TYPE.has(type)) {
    throw invalidArgument(`layer spec: unknown layer ${JSON.stringify(type ?? raw)} at ${where}; known: ${LAYER_TYPES.join(', ')}`);
  }
  return layerDef(type).parse(raw as Record<string, unknown>, parseContext);
}

/** Check a JSON layer spec (e.g. from a checkpoint) against the registry; malformed specs are INVALID_ARGUMENT. */
export function parseLayerSpec(raw: unknown): LayerSpec {
  return parseAt(raw, 'model') as LayerSpec;
}

export interface BuildOptions {
  /** Random source for initial weights and dropout masks (default Rng(0)). */
  rng?: Rng;
  /** Weight init scheme for Linear/Conv2d (default PyTorch's). */
  init?: InitScheme;
}

function buildParsed(spec: AnySpec, opts: BuildOptions, rng: Rng): Module {
  const ctx = {
    rng,
    init: { rng, ...(opts.init !== undefined && { init: opts.init }) },
    build: (child: AnySpec) => buildParsed(child, opts, rng),
  };
  return layerDef(spec.type).build(spec, ctx);
}

/** Build layers from a spec (as stored in a checkpoint). Malformed specs are INVALID_ARGUMENT. */
export function buildModule(spec: LayerSpec, opts: BuildOptions = {}): Module {
  return buildParsed(parseLayerSpec(spec), opts, opts.rng ?? new Rng(0));
}
