/**
 * The control plane as a pipeline's deploy target (jobs/types.ts DeployTarget): create the
 * deployment, roll it to the new photon version, or start that version as its canary, and wait
 * until every ready replica of that revision serves it. Jobs sit below deploy, so they reach the
 * control plane only through this.
 */
import { LeptonError } from '../core/errors.js';
import { type DeployTarget } from '../jobs/types.js';
import { type ControlPlane } from './control-plane.js';

export function controlPlaneDeployTarget(cp: ControlPlane): DeployTarget {
  const find = (name: string) => cp.listDeployments().find((d) => d.spec.name === name);
  return {
    // The gateway splits a deployment's traffic between two weighted revisions (gateway/revisions.ts).
    canSplitTraffic: true,
    current: (name) => find(name)?.spec.photon,
    async createOrUpdate(name, photonRef, options) {
      if (find(name)) {
        if (options.canary !== undefined) {
          // the new version takes that share next to the running one; promote or rollback decides later
          await cp.updateDeployment(name, { canary: { photon: photonRef, weight: options.canary } });
          return 'canary';
        }
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
        const canary = v.revisions?.find((r) => r.revision === 'canary' && r.photon === photonRef);
        if (canary) {
          if (canary.desiredReplicas > 0 && canary.readyReplicas >= canary.desiredReplicas) return;
        } else {
          const ready = v.status.replicas.filter((r) => r.state === 'ready');
          if (v.status.readyReplicas >= v.status.desiredReplicas && ready.length > 0 && ready.every((r) => r.photon === photonRef)) return;
        }
        if (signal?.aborted) throw new LeptonError('LEPTON_ERR_CONFLICT', `stopped waiting for deployment '${name}'`);
        if (Date.now() > until) {
          throw new LeptonError('LEPTON_ERR_NOT_READY', `deployment '${name}' does not serve ${photonRef} after ${timeoutMs} ms (phase ${v.status.phase}); see 'lep deployment logs ${name}'`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
