/**
 * The control plane as a pipeline's deploy target (jobs/types.ts DeployTarget): create the
 * deployment, or roll it to the new photon version, and wait until every ready replica serves
 * that version. Jobs sit below deploy, so they reach the control plane only through this.
 */
import { LeptonError } from '../core/errors.js';
import { type DeployTarget } from '../jobs/types.js';
import { type ControlPlane } from './control-plane.js';

export function controlPlaneDeployTarget(cp: ControlPlane): DeployTarget {
  const find = (name: string) => cp.listDeployments().find((d) => d.spec.name === name);
  return {
    // The gateway routes one revision per deployment; a canary needs weighted revisions first.
    canSplitTraffic: false,
    current: (name) => find(name)?.spec.photon,
    async createOrUpdate(name, photonRef, options) {
      if (options.canary !== undefined) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'canary rollouts need traffic splitting, which the gateway does not have yet');
      if (find(name)) {
        await cp.updateDeployment(name, { photon: photonRef });
        return 'updated';
      }
      await cp.createDeployment({ name, photon: photonRef, replicas: options.replicas });
      return 'created';
    },
    async waitReady(name, photonRef, timeoutMs, signal) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const v = cp.getDeployment(name);
        const ready = v.status.replicas.filter((r) => r.state === 'ready');
        if (v.status.readyReplicas >= v.status.desiredReplicas && ready.length > 0 && ready.every((r) => r.photon === photonRef)) return;
        if (signal?.aborted) throw new LeptonError('LEPTON_ERR_CONFLICT', `stopped waiting for deployment '${name}'`);
        if (Date.now() > until) {
          throw new LeptonError('LEPTON_ERR_NOT_READY', `deployment '${name}' does not serve ${photonRef} after ${timeoutMs} ms (phase ${v.status.phase}); see 'lep deployment logs ${name}'`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
