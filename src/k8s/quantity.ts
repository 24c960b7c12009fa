/**
 * Kubernetes resource quantities: what we derive from a photon (requests and limits) and the one
 * parser the checks use to compare them (requests ≤ limits), so both sides agree on units.
 */
import { invalidArgument } from '../core/errors.js';

const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

/** The numeric value of a quantity string (`250m`, `512Mi`, `2`). */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) throw invalidArgument(`not a Kubernetes quantity: ${JSON.stringify(q)}`);
  return Number(m[1]) * SUFFIX[m[2] ?? '']!;
}

/** A number as a quantity without float noise: integers as they are, else millis (`0.5` → `500m`). */
export function quantity(n: number): string {
  return Number.isInteger(n) ? String(n) : `${Math.round(n * 1000)}m`;
}

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/**
 * Requests and limits for a replica serving a photon of `bytes`: a base of 192 MiB for the Node
 * runtime, fastify and the engine, plus four times the archive (the archive,
 * the unpacked model and the engine's own copy of the weights, with headroom). The limit doubles
 * memory for batches and spikes; CPU requests a quarter core and may burst to one (the default
 * replica runs one engine thread).
 */
export function replicaResources(bytes: number): Resources {
  const mi = 1024 * 1024;
  const request = 192 + Math.ceil((4 * bytes) / mi);
  return {
    requests: { cpu: '250m', memory: `${request}Mi` },
    limits: { cpu: '1', memory: `${request * 2}Mi` },
  };
}
