/** Layer 4: inference engines behind one interface, chosen by name. */
import { LeptonError } from '../core/errors.js';
import { type Engine } from './engine.js';

export * from './engine.js';

export type EngineName = 'ort' | 'native';

/**
 * The engine for a name. Both are imported lazily: 'native' exists for hosts where the
 * onnxruntime binary is unwanted, so choosing it must not load that binary.
 */
export async function getEngine(name: EngineName = 'ort'): Promise<Engine> {
  if (name === 'ort') return (await import('./ort-engine.js')).ortEngine;
  if (name === 'native') return (await import('./native-engine.js')).nativeEngine;
  throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `unknown engine '${String(name)}'; use 'ort' or 'native'`);
}
