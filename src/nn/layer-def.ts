/**
 * The shape of one entry of the layer registry. A layer declares its spec fields once: they give
 * both the TypeScript type of its JSON spec and the checks applied to specs read from checkpoints.
 * `defineLayer` turns the fields and a builder into the entry.
 */
import { invalidArgument } from '../core/errors.js';
import { type Rng } from '../core/rng.js';
import { type InitScheme } from './init.js';
import { type Module } from './module.js';

/** Any parsed layer spec: the registry's `LayerSpec` narrows it to the declared layers. */
export interface AnySpec {
  type: string;
}

/** What a field reader may call back into: parsing a nested layer (Sequential's children). */
export interface ParseContext {
  parse(raw: unknown, where: string): AnySpec;
}

/** One field of a spec: whether it may be left out, and how to check its JSON value. */
export interface Field<V, Optional extends boolean = boolean> {
  readonly optional: Optional;
  /** Check a present value (optional fields that are absent or null are never read). */
  read(v: unknown, where: string, ctx: ParseContext): V;
}

export interface BuildContext {
  /** The random source shared by the whole model (weights, dropout masks), in layer order. */
  rng: Rng;
  /** Options for layers with weights: the rng and the init scheme if one was chosen. */
  init: { rng: Rng; init?: InitScheme };
  /** Build a nested, already-parsed layer with the same rng and init. */
  build(child: AnySpec): Module;
}

/** A registry entry: the layer's type name, its spec fields, parsing and building. */
export interface LayerDef<S extends AnySpec = AnySpec> {
  readonly type: S['type'];
  readonly fields: Readonly<Record<string, Field<unknown>>>;
  /** A small valid spec and its per-sample input shape; the conformance tests build and export it. */
  readonly example: { spec: S; inputShape: number[] };
  /** Check a JSON object whose `type` is this layer's; returns the spec with only the declared fields. */
  parse(raw: Readonly<Record<string, unknown>>, ctx: ParseContext): S;
  build(spec: S, ctx: BuildContext): Module;
}

const number = (v: unknown, where: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgument(`layer spec: ${where} must be a number, got ${JSON.stringify(v)}`);
  return v;
};

const boolean = (v: unknown, where: string): boolean => {
  if (typeof v !== 'boolean') throw invalidArgument(`layer spec: ${where} must be true or false, got ${JSON.stringify(v)}`);
  return v;
};

/** The field kinds layers use today; a new kind is one more reader here. Ranges stay in the constructors. */
export const field = {
  number: { optional: false, read: number } as Field<number, false>,
  optionalNumber: { optional: true, read: number } as Field<number, true>,
  optionalBoolean: { optional: true, read: boolean } as Field<boolean, true>,
};

type Fields = Record<string, Field<unknown>>;
type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<unknown, false> ? K : never }[keyof F];
type ValueOf<X> = X extends Field<infer V> ? V : never;
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** The spec type a layer's fields describe: `{ type: 'linear'; inFeatures: number; bias?: boolean }`. */
export type SpecOf<T extends string, F extends Fields> = Flat<
  { type: T } & { [K in RequiredKeys<F>]: ValueOf<F[K]> } & { [K in Exclude<keyof F, RequiredKeys<F>>]?: ValueOf<F[K]> }
>;

/** Make a registry entry whose parse checks each declared field (unknown extra fields are ignored). */
export function defineLayer<T extends string, F extends Fields>(d: {
  type: T;
  fields: F;
  example: { spec: SpecOf<T, F>; inputShape: number[] };
  build(spec: SpecOf<T, F>, ctx: BuildContext): Module;
}): LayerDef<SpecOf<T, F>> {
  return {
    // SpecOf<T, F>['type'] is T, but TypeScript cannot see through the mapped type generically.
    type: d.type as SpecOf<T, F>['type'],
    fields: d.fields,
    example: d.example,
    build: d.build,
    parse(raw, ctx) {
      const out: Record<string, unknown> = { type: d.type };
      for (const [key, f] of Object.entries(d.fields)) {
        const v = raw[key];
        if (f.optional && (v === undefined || v === null)) continue;
        out[key] = f.read(v, `${d.type}.${key}`, ctx);
      }
      return out as SpecOf<T, F>;
    },
  };
}
