/**
 * The federated server's checkpoint: the global weights, the strategy's optimizer state and the
 * round history in one LFL1 bundle, written atomically after every round so a restarted server
 * resumes from the last completed round and never reads a half-written file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { decodeBundle, encodeBundle } from './codec.js';

export const CHECKPOINT_FILE = 'fl-checkpoint.lfl';

export interface FlCheckpoint<H> {
  task: string;
  strategy: string;
  /** Last completed round (0 = none). */
  round: number;
  global: Float32Array;
  state: Record<string, Float32Array>;
  history: H[];
}

export function saveCheckpoint<H>(dir: string, c: FlCheckpoint<H>): void {
  const arrays = [{ name: 'global', data: c.global }, ...Object.entries(c.state).map(([k, v]) => ({ name: `state.${k}`, data: v }))];
  writeFileAtomic(join(dir, CHECKPOINT_FILE), encodeBundle({ meta: { task: c.task, strategy: c.strategy, round: c.round, history: c.history }, arrays }));
}

/** The checkpoint in `dir`, or undefined when there is none yet. A damaged file is LEPTON_ERR_CORRUPT_FILE. */
export function loadCheckpoint<H>(dir: string): FlCheckpoint<H> | undefined {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const b = decodeBundle(readFileSync(path));
    const m = b.meta as { task?: unknown; strategy?: unknown; round?: unknown; history?: unknown };
    const global = b.arrays.find((a) => a.name === 'global')?.data;
    if (typeof m.task !== 'string' || typeof m.strategy !== 'string' || !Number.isInteger(m.round) || !Array.isArray(m.history) || !(global instanceof Float32Array)) {
      throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', 'missing fields (task, strategy, round, history or global weights)');
    }
    const state: Record<string, Float32Array> = {};
    for (const a of b.arrays) if (a.name.startsWith('state.') && a.data instanceof Float32Array) state[a.name.slice(6)] = a.data;
    return { task: m.task, strategy: m.strategy, round: m.round as number, global, state, history: m.history as H[] };
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `federated checkpoint ${path} is unreadable: ${(err as Error).message}`, { cause: err });
  }
}
