/**
 * The compression-method registry: every method `lep compress`, `lep optimize` and the navigator
 * accept, each one entry (its own file). Parsing, canonical names, help texts and building all come
 * from here. Adding a method: its file in this folder and one line in METHODS.
 */
import { invalidArgument } from '../../core/errors.js';
import { distill } from './distill.js';
import { fp16 } from './fp16.js';
import { int8Dynamic } from './int8-dynamic.js';
import { int8Static } from './int8-static.js';
import { type CompressMethod, type MethodEntry } from './method.js';
import { prune } from './prune.js';
import { pruneStructured } from './prune-structured.js';
import { shortNames } from './short-names.js';

export const METHODS: readonly MethodEntry[] = [int8Dynamic, int8Static, fp16, prune, pruneStructured, distill, shortNames];

const BY_KIND = new Map(METHODS.map((m) => [m.kind, m]));

/** One line: every method's spelling, e.g. for an option's help. */
export const METHOD_HELP = METHODS.map((m) => m.usage).join(' | ');

/** Parse a CLI spelling such as 'int8-dynamic', 'prune:0.5' or 'distill:mlp-64' (INVALID_ARGUMENT listing the known methods otherwise). */
export function parseMethod(text: string): CompressMethod {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const entry = BY_KIND.get(kind);
  if (!entry) throw invalidArgument(`unknown compression method '${text}'; known: ${METHOD_HELP}`);
  return entry.parse(colon < 0 ? undefined : text.slice(colon + 1));
}

/** Several lines: each method's spelling and what it does (appended to the CLI help). */
export function methodsHelp(): string {
  const width = Math.max(...METHODS.map((m) => m.usage.length));
  return ['Compression methods:', ...METHODS.map((m) => `  ${m.usage.padEnd(width)}  ${m.help}`)].join('\n');
}

/** What --epochs means per method, from the entries that train. */
export function epochsHelp(): string {
  const uses = METHODS.filter((m) => m.epochs).map((m) => `${m.kind}: ${m.epochs!.role === 'student' ? 'student training' : 'fine-tune'} epochs (default ${m.epochs!.default})`);
  return uses.join('; ');
}

/**
 * A file-name form of a canonical method name ('prune:0.5' → 'prune_0.5'): ':' and anything else
 * outside [A-Za-z0-9._-] become '_'. Canonical names have ':' as their only such character and no '_',
 * so distinct names keep distinct file names.
 */
export function fileSafeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
