// Runs the shared policy conformance suite against every policy the gateway ships.
import { policyConformance } from './policy.conformance.js';
import { createPolicy } from './policies.js';
import { POLICY_NAMES, type PolicyName } from './types.js';

const traits: Record<PolicyName, Parameters<typeof policyConformance>[2]> = {
  'round-robin': { loadAware: false },
  'least-request': { loadAware: true },
  affinity: { loadAware: true, sticky: { header: 'x-session-id' } },
};

for (const name of POLICY_NAMES) policyConformance(name, () => createPolicy(name), traits[name]);
