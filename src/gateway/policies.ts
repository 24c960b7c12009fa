/** Build a Policy by name; the one place that knows every implementation. */
import { AffinityPolicy, type AffinityOptions } from './policy-affinity.js';
import { LeastRequestPolicy } from './policy-least-request.js';
import { RoundRobinPolicy } from './policy-round-robin.js';
import { type Policy, type PolicyName } from './types.js';

export const DEFAULT_POLICY: PolicyName = 'least-request';

export function createPolicy(name: PolicyName, affinity: AffinityOptions = {}): Policy {
  switch (name) {
    case 'round-robin':
      return new RoundRobinPolicy();
    case 'least-request':
      return new LeastRequestPolicy();
    case 'affinity':
      return new AffinityPolicy(affinity);
  }
}
