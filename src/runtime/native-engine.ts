/** Placeholder until the native engine lands on the tensor core: refuses clearly instead of pretending. */
import { LeptonError } from '../core/errors.js';
import { type Engine } from './engine.js';

export const nativeEngine: Engine = {
  name: 'native',
  load(): Promise<never> {
    return Promise.reject(new LeptonError('LEPTON_ERR_UNSUPPORTED', 'the native engine is not available yet; use --engine ort'));
  },
};
