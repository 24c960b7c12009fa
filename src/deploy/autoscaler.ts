/**
 * Autoscaling decisions on average ongoing requests per replica (the signal Ray Serve and Knative
 * use): desired = ceil(mean ongoing over the look-back window / target), clamped to [min, max].
 * A change is applied only after it has been wanted continuously for the up- or down-scale delay,
 * so bursts do not cause flapping. Pure logic: the control plane feeds samples and applies results.
 */
import { type AutoscalingSpec } from './spec.js';

export class Autoscaler {
  private samples: Array<{ t: number; ongoing: number }> = [];
  private upSince: number | null = null;
  private downSince: number | null = null;

  constructor(public spec: AutoscalingSpec) {}

  /** Record total ongoing (in-flight + queued) requests of the deployment at time `t`. */
  record(t: number, ongoing: number): void {
    this.samples.push({ t, ongoing });
    const from = t - this.spec.lookbackMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.t < from) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  /** Mean ongoing requests over the window (0 with no samples). */
  meanOngoing(): number {
    if (this.samples.length === 0) return 0;
    let s = 0;
    for (const x of this.samples) s += x.ongoing;
    return s / this.samples.length;
  }

  /** The replica count the load asks for right now, before delays. */
  wanted(): number {
    const a = this.spec;
    const raw = Math.ceil(this.meanOngoing() / a.targetOngoing - 1e-9);
    return Math.min(a.maxReplicas, Math.max(a.minReplicas, raw));
  }

  /** Decide the replica count given the `current` one; returns `current` when nothing should change. */
  decide(t: number, current: number): number {
    const want = this.wanted();
    if (want > current) {
      this.downSince = null;
      this.upSince ??= t;
      // Scaling from zero never waits: a request is already queued for a replica.
      if (current === 0 || t - this.upSince >= this.spec.upscaleDelayMs) {
        this.upSince = null;
        return want;
      }
    } else if (want < current) {
      this.upSince = null;
      this.downSince ??= t;
      if (t - this.downSince >= this.spec.downscaleDelayMs) {
        this.downSince = null;
        // Step down gently: at most half the replicas in one decision.
        return Math.max(want, Math.floor(current / 2));
      }
    } else {
      this.upSince = null;
      this.downSince = null;
    }
    return current;
  }

  /** A request arrived for a deployment scaled to zero. */
  demand(t: number): void {
    this.record(t, Math.max(1, this.spec.targetOngoing));
  }
}
