/**
 * The flags of a job's arguments, checked before the job is queued. A kind declares its flags as
 * the matching `lep` command has them (test/jobs-kinds.test.ts holds the two lists equal), and
 * each flag's value check; a mistake is a 400 naming the flag, as the command would word it.
 */
import { invalidArgument } from '../core/errors.js';

export interface FlagSpec {
  /** `--epochs` */
  name: string;
  /** Takes a value (`--epochs 3`); otherwise a switch (`--augment`). */
  value: boolean;
  required?: boolean;
  /** A problem with the value, worded for the user, or undefined when it is fine. */
  check?: (v: string) => string | undefined;
  /** The job supplies this flag itself (e.g. `--out`): a user may not. */
  reserved?: string;
  /** The value is itself a flag string (`--train '--dataset mnist'`), so it may start with `--`. */
  flagsValue?: boolean;
}

/** Parsed flags: a value flag maps to its string, a switch to true. */
export type ParsedFlags = Map<string, string | true>;

/** Parse `args` (`--flag value`, `--flag=value`, `--switch`) against `specs`; throws a 400 on any mistake. */
export function parseFlags(kind: string, args: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedFlags = new Map();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const spec = byName.get(name);
    if (!spec) {
      const known = specs.filter((s) => !s.reserved).map((s) => s.name).join(' ');
      throw invalidArgument(a.startsWith('--') ? `unknown flag ${name} for a ${kind} job; known: ${known}` : `unexpected argument '${a}' for a ${kind} job (flags only: ${known})`, { field: name });
    }
    if (spec.reserved) throw invalidArgument(`${name} is set by the job itself (${spec.reserved}); leave it out`, { field: name });
    if (out.has(name)) throw invalidArgument(`${name} is given twice`, { field: name });
    if (!spec.value) {
      if (eq > 0) throw invalidArgument(`${name} takes no value`, { field: name });
      out.set(name, true);
      continue;
    }
    const v = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (v === undefined || (eq < 0 && v.startsWith('--') && !spec.flagsValue)) throw invalidArgument(`${name} needs a value`, { field: name });
    const problem = spec.check?.(v);
    if (problem) throw invalidArgument(`${name} ${problem}, got ${JSON.stringify(v)}`, { field: name });
    out.set(name, v);
  }
  for (const s of specs) if (s.required && !s.reserved && !out.has(s.name)) throw invalidArgument(`a ${kind} job needs ${s.name}`, { field: s.name });
  return out;
}

/** Back to argv form, in the order parsed. */
export function toArgv(flags: ParsedFlags): string[] {
  const argv: string[] = [];
  for (const [k, v] of flags) argv.push(...(v === true ? [k] : [k, v]));
  return argv;
}

/** Split a flag string (`--dataset mnist --epochs 3`) on whitespace; quotes are not supported in it. */
export function splitFlags(text: string): string[] {
  return text.split(/\s+/).filter((s) => s !== '');
}

// Value checks shared by the kinds (the wording matches cli/options.ts).
const num = (pred: (n: number) => boolean, what: string) => (v: string): string | undefined => {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && pred(n) ? undefined : `must be ${what}`;
};
export const posInt = num((n) => Number.isInteger(n) && n >= 1, 'a positive integer');
export const nonNegInt = num((n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
export const integer = num(Number.isInteger, 'an integer');
export const positive = num((n) => n > 0, 'a positive number');
export const fraction = num((n) => n >= 0 && n <= 1, 'a fraction in [0, 1]');
export const anyNumber = num(() => true, 'a number');
export const oneOf = (choices: readonly string[]) => (v: string): string | undefined => (choices.includes(v) ? undefined : `must be one of ${choices.join(', ')}`);
export const rangeInt = (lo: number, hi: number) => num((n) => Number.isInteger(n) && n >= lo && n <= hi, `an integer in [${lo}, ${hi}]`);
export const rangeNum = (lo: number, hi: number) => num((n) => n >= lo && n <= hi, `a number in [${lo}, ${hi}]`);
