/**
 * Flag pieces shared by the kinds: the job-only `--photon NAME`, the reserved `--out`, and model
 * references that may name an earlier job's output (`--model job:ID`).
 */
import { existsSync } from 'node:fs';
import { invalidArgument } from '../../core/errors.js';
import { isDatasetName, DATASET_NAMES } from '../../data/index.js';
import { NAME_RULE, validName } from '../../photon/manifest.js';
import { type FlagSpec, type ParsedFlags } from '../flags.js';
import { type ValidateEnv } from '../kind.js';

export const OUT_FLAG: FlagSpec = { name: '--out', value: true, reserved: "outputs go to the job's artifacts folder" };
export const PHOTON_FLAG: FlagSpec = { name: '--photon', value: true, check: (v) => (validName(v) ? undefined : `must be a photon name (${NAME_RULE})`) };
export const DATASET_FLAG: FlagSpec = { name: '--dataset', value: true, required: true, check: (v) => (isDatasetName(v) ? undefined : `must be one of ${DATASET_NAMES.join(', ')}`) };

/**
 * A model file on the platform host, or `job:ID` for the model an earlier job wrote; the result is
 * the path the command reads. `file` is the artifact looked for in the job's folder.
 */
export function resolveModelRef(flag: string, ref: string, env: ValidateEnv, file: string): string {
  const m = /^job:([a-z0-9-]{1,64})$/.exec(ref);
  if (m) return env.jobArtifact(m[1]!, file);
  if (!existsSync(ref)) throw invalidArgument(`${flag} ${ref} does not exist on the platform host; give a path there, or job:ID for an earlier job's ${file}`, { field: flag });
  return ref;
}

/** The flags without the job-only ones, ready to hand to the `lep` command. */
export function commandFlags(flags: ParsedFlags, jobOnly: readonly string[] = ['--photon']): ParsedFlags {
  return new Map([...flags].filter(([k]) => !jobOnly.includes(k)));
}
