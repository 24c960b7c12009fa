/** Fine-tuning after a graph change, shared by the methods that offer it (their `epochs` role 'fine-tune'). */
import { noProgress } from '../../core/progress.js';
import { fitGraph } from '../fit.js';
import { GraphProgram } from '../graph-program.js';
import { type VariantInput } from './method.js';

/** Train the changed graph for `epochs` (0 returns it as is); `masks` keep pruned weights at zero. */
export function fineTune(bytes: Uint8Array, o: VariantInput, epochs: number, masks?: Map<string, Uint8Array>): Uint8Array {
  if (epochs <= 0) return bytes;
  const p = new GraphProgram(bytes);
  fitGraph(p, o.train, { epochs, lr: o.lr ?? 1e-3, ...(masks && { masks }), seed: o.seed ?? 1, progress: o.progress ?? noProgress });
  return p.toBytes();
}
