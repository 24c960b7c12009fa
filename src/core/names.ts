/**
 * The platform's two name rules, and the one conversion between them. Every layer must agree on
 * them (names become URL segments, index keys, token scopes and Kubernetes names), so they live in core.
 *
 * - Model (photon) names keep what the file or model is called, within Triton's rule for model
 *   names, `[A-Za-z0-9_.-]`: an Open Inference Protocol client calls `/v2/models/torch_cnn/infer`
 *   for `torch_cnn.onnx`, as it would on Triton. They must start with a letter or digit, which
 *   rules out `.`, `..` (path segments a URL parser would fold) and `__proto__`-style keys.
 * - Resource names (deployments, `infer:<deployment>` scopes, Kubernetes objects) are DNS labels.
 *
 * Where a model name must become a resource name, `toResourceName` is the only place that converts.
 */
export const RESOURCE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Photon / served model names: Triton's characters, a letter or digit first, 1–128 characters. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isResourceName(name: unknown): name is string {
  return typeof name === 'string' && RESOURCE_NAME_PATTERN.test(name);
}

export function isModelName(name: unknown): name is string {
  return typeof name === 'string' && MODEL_NAME_PATTERN.test(name);
}

/**
 * The DNS-label form of a model name, for the boundaries that need one (a deployment named after
 * its photon, a Kubernetes object): lowercase, every run of other characters (`_`, `.`) becomes
 * one dash, no dash at either end, at most 63 characters. `torch_cnn` → `torch-cnn`. Different
 * model names may map to the same resource name (`a_b`, `a.b`), so callers that create resources
 * from it must still check for a clash. Returns `model` when nothing usable is left.
 */
export function toResourceName(name: string): string {
  const dashed = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '');
  return dashed.slice(0, 63).replace(/-+$/, '') || 'model';
}
