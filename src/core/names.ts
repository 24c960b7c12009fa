/**
 * The one name rule for photons and deployments: a DNS label (lowercase letters, digits, inner
 * dashes, 1–63 characters). Names become file paths, URL segments, token scopes and Kubernetes
 * names, so every layer must agree on it; that is why it lives in core.
 */
export const RESOURCE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isResourceName(name: unknown): name is string {
  return typeof name === 'string' && RESOURCE_NAME_PATTERN.test(name);
}
