/**
 * Which compressed variants the navigator builds, and their names: the method's canonical spelling
 * from the compression registry ('prune:0.5'), the same in reports as on the CLI; files under
 * variants/ take its file-safe form ('prune_0.5.onnx').
 */
import { fileSafeName, parseMethod, type CompressMethod } from '../compress/index.js';

export const DEFAULT_VARIANTS = ['int8-dynamic', 'int8-static', 'fp16', 'prune:0.5', 'prune-structured:0.5'];
export const DEFAULT_STUDENT = 'mlp-64';

export interface PlannedVariant {
  method: CompressMethod;
  /** The canonical method name, used in reports. */
  name: string;
  /** File name under the report's variants/ folder. */
  file: string;
}

/**
 * The variants to build: `variants` (default DEFAULT_VARIANTS) plus a distilled one unless `distill`
 * is null. Bad spellings are INVALID_ARGUMENT; spellings of the same method ('prune:.50') count once.
 */
export function planVariants(variants: readonly string[] = DEFAULT_VARIANTS, distill: string | null = DEFAULT_STUDENT): PlannedVariant[] {
  const methods = variants.map(parseMethod);
  if (distill !== null) methods.push(parseMethod(`distill:${distill}`));
  const byName = new Map(methods.map((m) => [m.name, m]));
  return [...byName.values()].map((m) => ({ method: m, name: m.name, file: `${fileSafeName(m.name)}.onnx` }));
}
