/**
 * Token scopes and the one authorization rule: admin implies everything, deploy implies read,
 * `infer:<deployment>` covers that deployment only. Also the loopback test for `--insecure-local`.
 */
import { LeptonError, invalidArgument } from '../core/index.js';
import { RESOURCE_NAME_PATTERN } from './names.js';

export type Scope = 'admin' | 'deploy' | 'read' | `infer:${string}` | `fl:${string}`;

/** Parse and validate one scope string. Throws LEPTON_ERR_INVALID_ARGUMENT. */
export function parseScope(text: string): Scope {
  const s = text.trim();
  if (s === 'admin' || s === 'deploy' || s === 'read') return s;
  if (s.startsWith('infer:') && RESOURCE_NAME_PATTERN.test(s.slice(6))) return s as Scope;
  // fl:<task>: a federated-learning client of that task only (src/federated)
  if (s.startsWith('fl:') && RESOURCE_NAME_PATTERN.test(s.slice(3))) return s as Scope;
  throw invalidArgument(`invalid scope ${JSON.stringify(s.slice(0, 80))}: use admin, deploy, read, infer:<deployment> or fl:<task>`, { field: 'scope' });
}

/** Parse `admin` or `read,infer:mnist` into a de-duplicated, non-empty scope list. */
export function parseScopes(input: string | readonly string[]): Scope[] {
  const parts = typeof input === 'string' ? input.split(',') : [...input];
  const scopes = [...new Set(parts.filter((p) => p.trim() !== '').map(parseScope))];
  if (scopes.length === 0) throw invalidArgument('a token needs at least one scope', { field: 'scope' });
  return scopes;
}

/** True when a token holding `granted` may do what `required` names. */
export function authorize(granted: readonly string[], required: Scope): boolean {
  for (const g of granted) {
    if (g === 'admin' || g === required) return true;
    if (g === 'deploy' && required === 'read') return true;
  }
  return false;
}

/** Throw LEPTON_ERR_FORBIDDEN (403) unless `granted` covers `required`. */
export function requireScope(principal: { name: string; scopes: readonly string[] }, required: Scope): void {
  if (!authorize(principal.scopes, required)) {
    throw new LeptonError('LEPTON_ERR_FORBIDDEN', `token ${JSON.stringify(principal.name)} lacks the ${required} scope`, { details: { required } });
  }
}

/** The scope that calling deployment `name` needs. */
export function inferScope(deployment: string): Scope {
  return parseScope(`infer:${deployment}`);
}

/** The scope a federated-learning client of task `task` needs. */
export function flScope(task: string): Scope {
  return parseScope(`fl:${task}`);
}

/** True for loopback peers (127.0.0.0/8, ::1, IPv4-mapped loopback): the only ones `--insecure-local` lets in. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = address.toLowerCase();
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v4);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}
