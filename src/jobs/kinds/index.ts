/**
 * The registry of job kinds: one entry per kind. (`explain-batch` is not here: `lep explain` takes
 * one input, and a batch form of it does not exist yet.)
 */
import { invalidArgument } from '../../core/errors.js';
import { type JobKind } from '../kind.js';
import { compressKind } from './compress.js';
import { flServerKind } from './fl-server.js';
import { optimizeKind } from './optimize.js';
import { pipelineKind } from './pipeline.js';
import { trainKind } from './train.js';

export const JOB_KINDS: ReadonlyMap<string, JobKind> = new Map([trainKind, compressKind, optimizeKind, pipelineKind, flServerKind].map((k) => [k.name, k]));

export function jobKind(name: unknown, kinds: ReadonlyMap<string, JobKind> = JOB_KINDS): JobKind {
  const k = typeof name === 'string' ? kinds.get(name) : undefined;
  if (!k) throw invalidArgument(`unknown job kind ${JSON.stringify(name)}; known: ${[...kinds.keys()].join(', ')}`, { field: 'kind' });
  return k;
}

export { TRAIN_FLAGS, OPTIMIZERS, SCHEDULES } from './train.js';
export { COMPRESS_FLAGS } from './compress.js';
export { OPTIMIZE_FLAGS } from './optimize.js';
export { PIPELINE_FLAGS } from './pipeline.js';
export { FL_SERVER_FLAGS } from './fl-server.js';
