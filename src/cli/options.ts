/**
 * Parsing of numeric command-line flags, shared by every command: one place decides what a bad
 * number looks like (`--epochs must be a positive integer, got "x"`, exit code 2).
 */
import { invalidArgument } from '../core/errors.js';

type Check = (n: number) => boolean;

export const isPosInt: Check = (n) => Number.isInteger(n) && n >= 1;
export const isPositive: Check = (n) => n > 0;

/** A flag's value as a number that passes `check` (described by `what` in the error); undefined stays undefined. */
export function parseNum(v: string, flag: string, check?: Check, what?: string): number;
export function parseNum(v: string | undefined, flag: string, check?: Check, what?: string): number | undefined;
export function parseNum(v: string | undefined, flag: string, check: Check = Number.isFinite, what = 'a number'): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw invalidArgument(`${flag} must be ${what}, got ${JSON.stringify(v)}`);
  return n;
}

/** A positive integer flag. */
export function parsePosInt(v: string, flag: string): number;
export function parsePosInt(v: string | undefined, flag: string): number | undefined;
export function parsePosInt(v: string | undefined, flag: string): number | undefined {
  return parseNum(v, flag, isPosInt, 'a positive integer');
}

/** An integer flag in [min, max]. */
export function intInRange(v: string, flag: string, min: number, max: number): number;
export function intInRange(v: string | undefined, flag: string, min: number, max: number): number | undefined;
export function intInRange(v: string | undefined, flag: string, min: number, max: number): number | undefined {
  return parseNum(v, flag, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer from ${min} to ${max}`);
}
