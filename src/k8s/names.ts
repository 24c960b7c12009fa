/**
 * Kubernetes names, at the one boundary where ours become theirs. Object names here are DNS-1035
 * labels (a Service's name must be one, and we give every object of a revision the same stem), so
 * `k8sName` is the one conversion; label values have their own, looser rule.
 */
import { createHash } from 'node:crypto';
import { toResourceName } from '../core/names.js';

/** DNS-1123 label: what a namespace, a label-valued name and most of our objects must be. */
export const DNS1123_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain (ConfigMap, Secret, Deployment names may be one). */
export const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
/** DNS-1035 label: a Service name (must start with a letter). */
export const DNS1035_LABEL = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A label value: empty, or up to 63 of [A-Za-z0-9_.-] starting and ending alphanumeric. */
export const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/;
/** A label key: optional DNS subdomain prefix and '/', then a name like a label value (not empty). */
export const LABEL_KEY = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;

/**
 * The Kubernetes object name for the joined parts (a deployment, a photon name, a version, a
 * suffix): each part through core's `toResourceName`, joined by '-', led by a letter (DNS-1035),
 * and, when longer than `max`, cut with a short hash of the full text so two long names that
 * share a prefix still differ. Deterministic: the same parts always give the same name.
 */
export function k8sName(parts: readonly string[], max = 63): string {
  const joined = parts.map((p) => toResourceName(p)).join('-');
  const led = /^[a-z]/.test(joined) ? joined : `l-${joined}`;
  if (led.length <= max) return led;
  const hash = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 8);
  return `${led.slice(0, max - 9).replace(/-+$/, '')}-${hash}`;
}

/** A label value for free text we control (a version, a photon name): invalid characters become '-'. */
export function labelValue(v: string): string {
  const s = v.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return s;
}
