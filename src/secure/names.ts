/**
 * Strict names for photons, deployments and secrets. With the archive-entry rules (from core,
 * re-exported here) this is what decides what may become part of a file path on disk.
 */
import { invalidArgument } from '../core/index.js';
import { MODEL_NAME_PATTERN, RESOURCE_NAME_PATTERN } from '../core/names.js';

/** Deployment names: a DNS label (lowercase, digits, inner dashes, 1–63 chars); photon names: the model name rule. */
export { MODEL_NAME_PATTERN, RESOURCE_NAME_PATTERN };
/** Secret names become environment variables of replicas, so they follow env-var rules. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export type NameKind = 'photon' | 'deployment' | 'secret';

/** True when `name` is valid for `kind`. */
export function isValidName(kind: NameKind, name: unknown): name is string {
  if (typeof name !== 'string') return false;
  if (kind === 'secret') return SECRET_NAME_PATTERN.test(name);
  return kind === 'photon' ? MODEL_NAME_PATTERN.test(name) : RESOURCE_NAME_PATTERN.test(name);
}

/** Return `name` unchanged if valid for `kind`, else throw LEPTON_ERR_INVALID_ARGUMENT saying what is allowed. */
export function validateName(kind: NameKind, name: unknown): string {
  if (isValidName(kind, name)) return name;
  const rule = kind === 'secret'
    ? 'letters, digits and underscores, not starting with a digit, at most 128 characters'
    : kind === 'photon'
      ? 'letters, digits, _ . and -, starting with a letter or digit, at most 128 characters'
      : 'lowercase letters, digits and inner dashes, 1 to 63 characters';
  const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : typeof name;
  throw invalidArgument(`invalid ${kind} name ${shown}: use ${rule}`, { field: `${kind}Name` });
}

export {
  type ArchiveLimits,
  type ArchiveEntryInfo,
  DEFAULT_ARCHIVE_LIMITS,
  validateArchivePath,
  ArchiveGuard,
  resolveInside,
} from '../core/archive-path.js';
