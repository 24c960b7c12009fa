/**
 * Canaries (issue 19): a deployment's second revision. Its replicas run under their own controller
 * on the gateway route `revisionKey(name, 'canary')`, and the gateway splits the deployment's
 * traffic by weight (src/gateway/revisions.ts). Promote rolls the stable replicas to the canary's
 * photon (the controller's rolling update: no failed request) and then retires the canary; rollback
 * ends the split first and then drains the canary. The gate rolls a canary back by itself when,
 * over its window, it answers too many server errors or too slowly, and the event says which.
 */
import { type Gateway, revisionKey, STABLE_REVISION } from '../gateway/gateway.js';
import { type DeploymentController } from './controller.js';
import { type DeploymentSpec } from './spec.js';
import { type Store } from './store.js';

export const CANARY_REVISION = 'canary';

export interface CanaryDeps {
  gateway: Gateway;
  store: Store;
  /** A started controller for the canary's spec (replicas get the deployment's secrets). */
  start(spec: DeploymentSpec, secretsOf: string): DeploymentController;
  /** The deployment's own controller. */
  stable(name: string): DeploymentController;
}

/** The spec the canary's controller runs: the deployment's, with the canary's photon and count, on the canary route. */
export function canaryControllerSpec(spec: DeploymentSpec): DeploymentSpec {
  const c = spec.canary!;
  const { canary: _c, autoscaling: _a, ...rest } = spec;
  return { ...rest, name: revisionKey(spec.name, CANARY_REVISION), photon: c.photon, replicas: c.replicas };
}

export class Canaries {
  private readonly running = new Map<string, DeploymentController>();

  constructor(private readonly deps: CanaryDeps) {}

  /** Converge the canary of `spec` (start, resize, reweight, or stop when the spec has none). */
  async sync(spec: DeploymentSpec): Promise<void> {
    const c = spec.canary;
    const current = this.running.get(spec.name);
    if (!c) {
      if (current) await this.retire(spec.name);
      return;
    }
    const want = canaryControllerSpec(spec);
    if (!current) this.running.set(spec.name, this.deps.start(want, spec.name));
    else if (current.spec.photon !== want.photon || current.spec.replicas !== want.replicas || current.spec.policy !== want.policy) void current.apply(want);
    this.deps.gateway.setSplit(spec.name, [
      { revision: STABLE_REVISION, weight: 100 - c.weight },
      { revision: CANARY_REVISION, weight: c.weight },
    ], spec.affinity ?? {});
  }

  has(name: string): boolean {
    return this.running.has(name);
  }

  controller(name: string): DeploymentController | undefined {
    return this.running.get(name);
  }

  /** The spec after a rollback: no canary. Ends the split, then drains and stops the canary's replicas. */
  async rollback(spec: DeploymentSpec, why: string): Promise<DeploymentSpec> {
    const next = withoutCanary(spec);
    this.deps.store.updateSpec(next);
    void this.deps.stable(spec.name).apply(next);
    this.deps.store.addEvent({ deployment: spec.name, type: 'canary-rolled-back', message: `${spec.canary?.photon ?? 'canary'} rolled back: ${why}` });
    await this.retire(spec.name);
    return next;
  }

  /**
   * Make the canary's photon the deployment's: the stable replicas roll to it one at a time while
   * the split still stands (both revisions keep serving), then the split ends and the canary drains.
   */
  async promote(spec: DeploymentSpec): Promise<DeploymentSpec> {
    const next = { ...withoutCanary(spec), photon: spec.canary!.photon };
    this.deps.store.updateSpec(next);
    this.deps.store.addEvent({ deployment: spec.name, type: 'canary-promoting', message: `rolling the stable replicas to ${next.photon}` });
    await this.deps.stable(spec.name).apply(next);
    await this.retire(spec.name);
    this.deps.store.addEvent({ deployment: spec.name, type: 'canary-promoted', message: `now serving only ${next.photon}` });
    return next;
  }

  /** Check each gated canary's window; returns the deployments rolled back. */
  async gate(specOf: (name: string) => DeploymentSpec | undefined): Promise<string[]> {
    const rolled: string[] = [];
    for (const name of [...this.running.keys()]) {
      const spec = specOf(name);
      const g = spec?.canary?.gate;
      if (!spec || !g) continue;
      const s = this.deps.gateway.revisionSummary(name, CANARY_REVISION, g.windowMs);
      if (!s || s.requests < g.minRequests) continue;
      const reasons: string[] = [];
      if (g.maxErrorRate !== undefined && s.errorRate > g.maxErrorRate) {
        reasons.push(`error rate ${(100 * s.errorRate).toFixed(1)}% > ${(100 * g.maxErrorRate).toFixed(1)}% (${s.errors}/${s.requests} in ${g.windowMs} ms)`);
      }
      if (g.maxP99Ms !== undefined && s.p99Ms > g.maxP99Ms) reasons.push(`p99 ${s.p99Ms.toFixed(1)} ms > ${g.maxP99Ms} ms over ${s.requests} requests`);
      if (reasons.length === 0) continue;
      await this.rollback(spec, `automatic gate: ${reasons.join('; ')}`);
      rolled.push(name);
    }
    return rolled;
  }

  async closeAll(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((c) => c.stop(true)));
  }

  /** End the split and stop the canary's replicas (the deployment is being removed, or the canary ends). */
  async retire(name: string): Promise<void> {
    this.deps.gateway.setSplit(name, undefined);
    const c = this.running.get(name);
    this.running.delete(name);
    await c?.stop(true);
  }
}

function withoutCanary(spec: DeploymentSpec): DeploymentSpec {
  const { canary: _c, ...rest } = spec;
  return rest;
}
