/**
 * Kernel backend selection. Ops ask `kernels()` for the active backend; `setBackend` switches
 * it (tests run both). The WebAssembly backend is loaded synchronously at import and made the
 * default when build/ holds its module; otherwise the JS kernels serve, silently.
 */
import { LeptonError } from '../../core/errors.js';
import { jsKernels } from './js.js';
import { defaultWasmKernels } from './wasm.js';
import { type Kernels } from './types.js';

export type { Kernels, ConvGeometry, ConvBatch, ConvForward, ConvBackward, PoolGeometry, ResidentFloats, ResidentBuffer } from './types.js';
export { jsKernels } from './js.js';

const backends = new Map<string, Kernels>([['js', jsKernels]]);
let active: Kernels = jsKernels;

/** The active kernel backend. */
export function kernels(): Kernels {
  return active;
}

/** Make a backend available (the wasm module calls this once it is instantiated). */
export function registerBackend(k: Kernels, makeActive = false): void {
  backends.set(k.name, k);
  if (makeActive) active = k;
}

/** Switch backends by name: 'js' or 'wasm'. */
export function setBackend(name: 'js' | 'wasm'): void {
  const k = backends.get(name);
  if (!k) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `kernel backend '${name}' is not available (available: ${[...backends.keys()].join(', ')})`);
  active = k;
}

export function availableBackends(): string[] {
  return [...backends.keys()];
}

const wasm = defaultWasmKernels();
if (wasm) registerBackend(wasm, true);
