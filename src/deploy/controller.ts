/**
 * One deployment's controller: keeps the desired number of replicas of the spec's photon running,
 * wires each replica into the gateway when ready and out when it dies, and performs rolling updates
 * (start new → wait ready → route to it → drain + SIGTERM one old → repeat). All changes run one at
 * a time on a per-deployment chain so scaling, updates and removal never interleave. Every spawned
 * process is recorded in the store at once (to reap it after a crash of this process); the phase
 * comes from the restart history (phase.ts), and a request that finds no replica is told when one
 * could serve it (`outlook`), so a crash-looping deployment answers 503 at once.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../core/logger.js';
import { ensureDir } from '../core/fs.js';
import { type Gateway } from '../gateway/gateway.js';
import { type ReplicaOutlook, type Route } from '../gateway/route.js';
import { Autoscaler } from './autoscaler.js';
import { phaseOf, RestartHistory, type CrashLoopPolicy } from './phase.js';
import { ReplicaProcess, type ReplicaHooks, type SupervisorOptions } from './replica-process.js';
import { type DeploymentSpec, type DeploymentStatus, type Phase } from './spec.js';
import { type Store } from './store.js';

export interface ControllerDeps {
  gateway: Gateway;
  store: Store;
  supervisor: SupervisorOptions;
  logsDir: string;
  log?: Logger;
  /** Longest wait for a drained replica's in-flight requests before it is stopped anyway. */
  drainTimeoutMs: number;
}

export class DeploymentController {
  readonly replicas = new Map<string, ReplicaProcess>();
  autoscaler: Autoscaler | undefined;
  desired: number;
  private chain: Promise<void> = Promise.resolve();
  /** The revision (photon + env digest) each replica was started with. */
  private readonly revisions = new Map<string, string>();
  private envRevision = '';
  private updating = false;
  private message = '';
  private closed = false;
  /** Why this deployment may not start replicas (a secret it needs is missing); '' when free. */
  private heldFor = '';
  private readonly log: Logger;
  private readonly hooks: ReplicaHooks;
  private readonly route: Route;
  private readonly history: RestartHistory;
  private readonly crashLoop: CrashLoopPolicy;
  /** How long the last replica of this deployment took to become ready (ms); 0 until one has. */
  private expectedStartMs = 0;
  private lastPhase: Phase | undefined;

  /** Fallible steps first (the logs folder), then the gateway route: a throw leaves no route behind. */
  constructor(
    public spec: DeploymentSpec,
    private readonly deps: ControllerDeps,
  ) {
    this.log = (deps.log ?? silentLogger).child({ deployment: spec.name });
    this.desired = spec.replicas;
    this.autoscaler = spec.autoscaling ? new Autoscaler(spec.autoscaling) : undefined;
    const o = deps.supervisor;
    this.crashLoop = { threshold: o.crashLoopThreshold, windowMs: o.crashLoopWindowMs, stableMs: o.stableAfterMs };
    this.history = new RestartHistory(o.stableAfterMs);
    ensureDir(this.logDir);
    this.route = deps.gateway.upsertDeployment(spec.name, { policy: spec.policy, affinity: spec.affinity ?? {} });
    this.hooks = {
      onSpawn: (r) => {
        if (deps.store.db.open) deps.store.putReplica({ id: r.id, deployment: spec.name, pid: r.pid, port: r.port, photon: r.photon, procStart: r.procStart });
      },
      onReady: (r) => {
        this.history.ready(r.id, Date.now());
        if (r.readyAfterMs !== null) this.expectedStartMs = r.readyAfterMs;
        deps.gateway.addReplica(this.spec.name, { id: r.id, origin: r.origin });
        this.saveStatus();
      },
      onExit: (r) => {
        this.history.crash(r.id, Date.now());
        void deps.gateway.removeReplica(this.spec.name, r.id);
        this.saveStatus();
      },
      onEvent: (r, type, message) => {
        deps.store.addEvent({ deployment: this.spec.name, replica: r.id, type, message });
        this.log.info({ replica: r.id, event: type }, message);
        this.saveStatus();
      },
    };
  }

  get name(): string {
    return this.spec.name;
  }

  get logDir(): string {
    return join(this.deps.logsDir, this.spec.name);
  }

  /** Apply a new spec (photon, replicas, policy, autoscaling) and converge to it. */
  apply(spec: DeploymentSpec): Promise<void> {
    const policyChanged = spec.policy !== this.spec.policy || JSON.stringify(spec.affinity) !== JSON.stringify(this.spec.affinity);
    const replicasChanged = spec.replicas !== this.spec.replicas;
    this.spec = spec;
    if (policyChanged) this.route.setPolicy(spec.policy, spec.affinity ?? {});
    if (spec.autoscaling) {
      if (this.autoscaler) this.autoscaler.spec = spec.autoscaling;
      else this.autoscaler = new Autoscaler(spec.autoscaling);
      if (replicasChanged) this.desired = spec.replicas;
      this.desired = Math.min(spec.autoscaling.maxReplicas, Math.max(spec.autoscaling.minReplicas, this.desired));
    } else {
      this.autoscaler = undefined;
      this.desired = spec.replicas;
    }
    return this.reconcile();
  }

  /** Set the replica count (autoscaler) and converge. */
  scaleTo(n: number): Promise<void> {
    this.desired = n;
    return this.reconcile();
  }

  /**
   * Keep the deployment from starting replicas, visibly: it is listed, its status carries `reason`,
   * and it can be updated or removed. Used when a secret it needs is missing after a restart.
   */
  hold(reason: string): void {
    this.heldFor = reason;
    this.message = reason;
  }

  /** Lift a hold (its secrets resolve again) and converge. */
  release(): Promise<void> {
    if (this.heldFor === '') return this.chain;
    this.heldFor = '';
    this.message = '';
    return this.reconcile();
  }

  get held(): boolean {
    return this.heldFor !== '';
  }

  /** Queue one convergence pass after any running one. */
  reconcile(): Promise<void> {
    this.chain = this.chain
      .then(() => this.reconcileOnce())
      .catch((err: unknown) => {
        this.message = `reconcile failed: ${(err as Error).message}`;
        this.log.error({ err: (err as Error).message }, 'reconcile failed');
      })
      .finally(() => this.saveStatus());
    return this.chain;
  }

  private live(): ReplicaProcess[] {
    return [...this.replicas.values()].filter((r) => r.state !== 'stopped' && r.state !== 'draining');
  }

  /**
   * Set the digest of the environment replicas start with (their secrets). Replicas started under
   * another digest are rolled on the next reconcile, the same way as a photon change.
   */
  setEnvRevision(digest: string): void {
    this.envRevision = digest;
  }

  /** What a replica must have been started with to count as current. */
  private get revision(): string {
    return `${this.spec.photon}#${this.envRevision}`;
  }

  private isCurrent(r: ReplicaProcess): boolean {
    return this.revisions.get(r.id) === this.revision;
  }

  private async reconcileOnce(): Promise<void> {
    if (this.closed || this.heldFor !== '') return;
    const old = this.live().filter((r) => !this.isCurrent(r));
    if (old.length > 0) await this.rollingUpdate(old);
    if (this.closed) return;
    const current = this.live().filter((r) => this.isCurrent(r));
    if (current.length < this.desired) {
      const fresh = Array.from({ length: this.desired - current.length }, () => this.spawn());
      await Promise.all(fresh.map((r) => r.whenReady()));
    } else if (current.length > this.desired) {
      // Retire replicas that are not serving first, then the newest.
      const order = [...current].sort((a, b) => rank(a) - rank(b) || (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0));
      await Promise.all(order.slice(0, current.length - this.desired).map((r) => this.retire(r)));
    }
    this.message = '';
  }

  private async rollingUpdate(old: ReplicaProcess[]): Promise<void> {
    this.updating = true;
    const why = old.some((r) => r.photon !== this.spec.photon) ? '' : ' (secrets changed)';
    this.deps.store.addEvent({ deployment: this.name, type: 'update-started', message: `rolling ${old.length} replica(s) to ${this.spec.photon}${why}` });
    this.saveStatus();
    try {
      for (const o of old) {
        if (this.closed) return;
        const fresh = this.live().filter((r) => this.isCurrent(r)).length;
        if (fresh < this.desired) {
          const n = this.spawn();
          if (!(await n.whenReady())) {
            this.message = `update to ${this.spec.photon} stopped: new replica ${n.id} did not become ready (see its logs); old replicas keep serving`;
            this.deps.store.addEvent({ deployment: this.name, replica: n.id, type: 'update-failed', message: this.message });
            await this.retire(n);
            return;
          }
        }
        await this.retire(o);
      }
      this.deps.store.addEvent({ deployment: this.name, type: 'update-finished', message: `now serving ${this.spec.photon}` });
    } finally {
      this.updating = false;
    }
  }

  private spawn(): ReplicaProcess {
    const id = `${this.name}-${randomBytes(3).toString('hex')}`;
    const r = new ReplicaProcess(id, this.name, this.spec.photon, join(this.logDir, `${id}.log`), this.deps.supervisor, this.hooks, this.log);
    this.replicas.set(id, r);
    this.revisions.set(id, this.revision);
    void r.start();
    return r;
  }

  /** Take a replica out of routing, let its in-flight requests finish, then stop it (SIGTERM). */
  private async retire(r: ReplicaProcess): Promise<void> {
    await this.deps.gateway.drainReplica(this.name, r.id, this.deps.drainTimeoutMs);
    await r.stop();
    this.history.down(r.id, Date.now());
    this.replicas.delete(r.id);
    this.revisions.delete(r.id);
    this.deps.store.deleteReplica(r.id);
    this.deps.store.addEvent({ deployment: this.name, replica: r.id, type: 'replica-stopped', message: 'drained and stopped' });
    this.saveStatus();
  }

  /** Stop every replica (graceful) and drop the route. Used on remove and on shutdown. */
  async stop(removeRoute: boolean): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => {});
    await Promise.all([...this.replicas.values()].map((r) => this.retire(r)));
    if (removeRoute) await this.deps.gateway.removeDeployment(this.name);
  }

  status(): DeploymentStatus {
    const all = [...this.replicas.values()];
    const ready = all.filter((r) => r.state === 'ready').length;
    const phase = this.phase(Date.now(), all, ready);
    return {
      phase,
      desiredReplicas: this.desired,
      readyReplicas: ready,
      photon: this.spec.photon,
      message: this.message,
      replicas: all.map((r) => ({
        id: r.id,
        state: r.state,
        photon: r.photon,
        pid: r.pid,
        port: r.port,
        restarts: r.restarts,
        startedAt: r.startedAt?.toISOString() ?? null,
      })),
    };
  }

  private phase(now: number, all = [...this.replicas.values()], ready = all.filter((r) => r.state === 'ready').length): Phase {
    return phaseOf({
      closed: this.closed,
      updating: this.updating || all.some((r) => !this.isCurrent(r) && r.state !== 'stopped'),
      desired: this.desired,
      replicas: all.length,
      ready,
      troubled: this.message !== '' || all.some((r) => r.restarts > 0),
      history: this.history.snapshot(),
      now,
      policy: this.crashLoop,
    });
  }

  /**
   * A request found no ready replica: say when one could serve it, or undefined when one may come
   * any moment (starting, or scaling from zero: worth waiting for). Crash looping: none is
   * expected (readyAt Infinity). All replicas in backoff: the next relaunch plus the last start time.
   */
  outlook(now = Date.now()): ReplicaOutlook | undefined {
    if (this.closed) return undefined;
    const live = this.live();
    const next = Math.min(...live.map((r) => r.nextAttemptAt ?? Infinity));
    const after = (ms: number): number => Math.min(60, Math.max(1, Math.ceil(ms / 1000)));
    if (this.phase(now) === 'CrashLooping') {
      return { readyAt: Infinity, retryAfterS: after((Number.isFinite(next) ? next - now : 0) + this.expectedStartMs) };
    }
    if (live.length === 0 || live.some((r) => r.nextAttemptAt === null)) return undefined;
    const readyAt = next + this.expectedStartMs;
    return { readyAt, retryAfterS: after(readyAt - now) };
  }

  private saveStatus(): void {
    const status = this.status();
    // Requests already queued when the deployment tips into a crash loop get their 503 now, not at their deadline.
    if (status.phase === 'CrashLooping' && this.lastPhase !== 'CrashLooping') {
      const o = this.outlook();
      if (o) this.route.refuseWaiting(o.retryAfterS);
    }
    this.lastPhase = status.phase;
    if (this.deps.store.db.open) this.deps.store.updateStatus(this.name, status);
  }
}

function rank(r: ReplicaProcess): number {
  return r.state === 'ready' ? 1 : 0;
}
