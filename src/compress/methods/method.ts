/**
 * The shape of one compression method in the registry (registry.ts): how its CLI spelling parses,
 * its one canonical spelling, its help text and how it builds the variant. A parsed method carries
 * its build bound to its arguments, so callers never switch on the method.
 */
import { invalidArgument } from '../../core/errors.js';
import type { CompressOptions } from '../compress.js';

/** What building a variant gets: the model, the data and the knobs (each method reads those it uses). */
export type VariantInput = Omit<CompressOptions, 'method' | 'skipMeasure' | 'measure'>;

export interface Variant {
  bytes: Uint8Array;
  /** Method-specific facts for the report (what was quantized, the student, the final loss…). */
  details: Record<string, unknown>;
}

/** What `epochs` means to a method (fine-tuning after the change, or training a student) and its default. */
export interface EpochsUse {
  role: 'fine-tune' | 'student';
  default: number;
}

/** A parsed method, ready to build. */
export interface CompressMethod {
  /** The registry entry, e.g. 'prune'. */
  readonly kind: string;
  /** The canonical spelling, e.g. 'prune:0.5': parsing it gives this method again. Reports and names use it. */
  readonly name: string;
  readonly epochs?: EpochsUse;
  build(input: VariantInput): Promise<Variant>;
}

/** One registry entry. */
export interface MethodEntry {
  /** The spelling's head: 'prune' in 'prune:0.5'. */
  readonly kind: string;
  /** How help texts show the spelling, e.g. 'prune:<sparsity 0..1>'. */
  readonly usage: string;
  /** One line on what the method does. */
  readonly help: string;
  readonly epochs?: EpochsUse;
  /** Canonical spellings (shown in help, and each must parse back to itself). */
  readonly examples: readonly string[];
  /** Parse the text after `kind:` (undefined when there is no colon). INVALID_ARGUMENT if malformed. */
  parse(arg: string | undefined): CompressMethod;
}

/** Declare a method by its typed arguments: `parse` reads them, `format` spells them canonically. */
export function defineMethod<P>(d: {
  kind: string;
  usage: string;
  help: string;
  epochs?: EpochsUse;
  examples: readonly string[];
  parse(arg: string | undefined): P;
  /** The canonical text after `kind:`, or undefined for a method without arguments. */
  format(p: P): string | undefined;
  build(p: P, input: VariantInput): Promise<Variant>;
}): MethodEntry {
  const { parse, format, build, ...entry } = d;
  return {
    ...entry,
    parse(arg) {
      const p = parse(arg);
      const a = format(p);
      return { kind: d.kind, name: a === undefined ? d.kind : `${d.kind}:${a}`, ...(d.epochs && { epochs: d.epochs }), build: (input) => build(p, input) };
    },
  };
}

/** Declare a method spelled by its kind alone ('fp16'): any ':argument' is INVALID_ARGUMENT. */
export function defineMethodWithoutArgument(d: { kind: string; help: string; build(input: VariantInput): Promise<Variant> }): MethodEntry {
  return defineMethod<void>({
    kind: d.kind,
    usage: d.kind,
    help: d.help,
    examples: [d.kind],
    parse: (arg) => noArgument(d.kind, arg),
    format: () => undefined,
    build: (_, input) => d.build(input),
  });
}

/** Argument reader of methods that take none. */
export function noArgument(kind: string, arg: string | undefined): void {
  if (arg !== undefined) throw invalidArgument(`method ${kind} takes no argument; got '${kind}:${arg}'`);
}

/** Argument reader of a fraction in (0, 1), e.g. the 0.5 of 'prune:0.5'. */
export function fraction(kind: string, arg: string | undefined): number {
  const v = Number(arg);
  if (arg === undefined || arg.trim() === '' || !(v > 0 && v < 1)) throw invalidArgument(`method ${kind} needs a fraction in (0, 1), e.g. ${kind}:0.5; got '${kind}${arg === undefined ? '' : `:${arg}`}'`);
  return v;
}
