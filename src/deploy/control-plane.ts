/**
 * The control plane: deployments from the store, one controller each, the photon catalogue
 * (registry files + store rows), the autoscaler loop, and reconcile-on-start so deployments that
 * should run come back after a restart (after reaping replicas the previous run left behind).
 * Creating a deployment is all or nothing. The REST API is a thin layer over this class.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { type Gateway } from '../gateway/gateway.js';
import { type ReplicaOutlook } from '../gateway/route.js';
import { type WindowSummary } from '../gateway/revisions.js';
import { type PhotonRegistry } from '../photon/registry.js';
import { replicaSpawn } from '../serve/replica-launcher.js';
import { Canaries } from './canary.js';
import { DeploymentController } from './controller.js';
import { readLogSlice, type LogSlice } from './logs.js';
import { reapOrphans, type Reaping } from './orphans.js';
import { DEFAULT_SUPERVISOR_OPTIONS, type ReplicaCommand, type SupervisorOptions } from './replica-process.js';
import { clampToAutoscaling, parseCreate, parsePatch, type DeploymentSpec, type DeploymentStatus } from './spec.js';
import { type EventRow, type PhotonRow, type Store } from './store.js';

export interface ControlPlaneOptions {
  home: string;
  store: Store;
  registry: PhotonRegistry;
  gateway: Gateway;
  logger?: Logger;
  /** Replica supervision settings; `command` defaults to the replica entry point (see defaultReplicaCommand). */
  supervisor?: Partial<SupervisorOptions>;
  /** Intra-op threads per replica. Default 1: replicas scale out, not up. */
  replicaThreads?: number;
  /** How often load is sampled for the autoscaler. Default 100 ms. */
  sampleMs?: number;
  /** How often autoscaling decisions are made. Default 1000 ms. */
  decideMs?: number;
  /** Longest wait for a draining replica's in-flight requests. Default 30000 ms. */
  drainTimeoutMs?: number;
  /** Resolve a deployment's `secrets` into replica environment variables (the secrets vault). None = secrets refused. */
  secretEnv?: (names: readonly string[]) => Promise<Record<string, string>>;
}

/**
 * Start a replica through the one replica entry point (serve/replica-launcher.ts): photon `P@V`
 * from the registry at `home`, on `host:port`. LEPTON_HOME is set too, as handlers and `lep` see
 * it; the rest of this process's environment (LEPTON_MASTER_KEY among it) is inherited.
 */
export function defaultReplicaCommand(home: string, threads = 1): ReplicaCommand {
  return ({ photon, port, host, replicaId }) => replicaSpawn({ ref: photon, home, host, port, threads, replicaId }, { LEPTON_HOME: home });
}

/** One revision of a deployment with a canary: its photon, share, replicas and the last minute at the gateway. */
export interface RevisionView {
  revision: string;
  photon: string;
  weight: number;
  readyReplicas: number;
  desiredReplicas: number;
  lastMinute: WindowSummary | null;
  /** The canary's own replicas (the stable ones are in `status`). */
  replicas?: DeploymentStatus['replicas'];
}

export interface DeploymentView {
  spec: DeploymentSpec;
  status: DeploymentStatus;
  /** Present while a canary runs: each revision separately. */
  revisions?: RevisionView[];
  createdAt: string;
  updatedAt: string;
  endpoint: string;
}

export class ControlPlane {
  private readonly controllers = new Map<string, DeploymentController>();
  /** Resolved secret env per deployment: kept in memory only, never stored, logged or returned. */
  private readonly secretEnvs = new Map<string, Record<string, string>>();
  private readonly log: Logger;
  private readonly supervisor: SupervisorOptions;
  private sampler: NodeJS.Timeout | undefined;
  private lastDecision = 0;
  private reaping: Reaping | undefined;
  private readonly canaries: Canaries;
  private gating = false;

  constructor(private readonly options: ControlPlaneOptions) {
    this.log = options.logger ?? silentLogger;
    this.supervisor = {
      ...DEFAULT_SUPERVISOR_OPTIONS,
      command: defaultReplicaCommand(options.home, options.replicaThreads ?? 1),
      ...options.supervisor,
    };
    // A request to a deployment with no replica reaches onDemand (scale from zero, or the outlook).
    options.gateway.setOnDemand((name) => this.onDemand(name));
    this.canaries = new Canaries({
      gateway: options.gateway,
      store: options.store,
      stable: (name) => this.controller(name),
      start: (spec, secretsOf) => {
        const c = new DeploymentController(spec, { ...this.controllerDeps(), supervisor: this.supervisorFor(secretsOf) });
        c.setEnvRevision(this.secretRevision(secretsOf));
        void c.reconcile();
        return c;
      },
    });
  }

  get store(): Store {
    return this.options.store;
  }

  /** Reap orphans of a previous run (in the background: they hold no port new replicas need), then bring back every stored deployment. */
  start(): void {
    this.reaping = reapOrphans(this.store, { graceMs: this.supervisor.stopGraceMs });
    this.syncPhotons();
    for (const row of this.store.listDeployments()) {
      this.store.addEvent({ deployment: row.spec.name, type: 'reconcile', message: 'restoring deployment after start' });
      if ((row.spec.secrets ?? []).length === 0) {
        this.startController(row.spec);
        void this.canaries.sync(row.spec);
        continue;
      }
      void this.resolveSecrets(row.spec).then(
        () => {
          this.startController(row.spec);
          void this.canaries.sync(row.spec);
        },
        (err: unknown) => {
          // Listed, held and fixable rather than a ghost: without a controller the row would block
          // the name (409 on create) while list, update and delete said it did not exist.
          const reason = `not started: ${(err as Error).message}; set the secret and run 'lep deployment update ${row.spec.name} --secrets …', or remove the deployment`;
          this.store.addEvent({ deployment: row.spec.name, type: 'secret-missing', message: reason });
          if (this.controllers.has(row.spec.name) || this.store.getDeployment(row.spec.name) === undefined) return;
          const c = this.newController(row.spec);
          c.hold(reason);
          this.controllers.set(c.name, c);
        },
      );
    }
    const sampleMs = this.options.sampleMs ?? 100;
    this.sampler = setInterval(() => this.autoscaleTick(), sampleMs);
    this.sampler.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.sampler);
    this.reaping?.hurry();
    const all = [...this.controllers.values()];
    this.controllers.clear();
    await Promise.all([...all.map((c) => c.stop(true)), this.canaries.closeAll(), this.reaping?.done]);
  }

  /**
   * The gateway found no replica for `name`: scale from zero if its autoscaler allows it, and say
   * when a replica could serve (a crash-looping deployment: not soon, so the request gets 503 now).
   */
  onDemand(name: string): ReplicaOutlook | undefined {
    const c = this.controllers.get(name);
    if (!c) return undefined;
    if (!c.autoscaler || c.desired > 0) return c.outlook();
    c.autoscaler.demand(Date.now());
    this.store.addEvent({ deployment: name, type: 'scaled', message: 'scale from zero: 0 → 1 on demand' });
    void c.scaleTo(1);
    return undefined;
  }

  /**
   * All or nothing: everything that can fail without side effects runs first (validation, the
   * photon, the secrets, the logs folder), then the gateway route, then the row and its event in
   * one store transaction. A failure anywhere undoes what was done, so no half-made deployment is
   * left to block the name or come back after a restart. After the one await, nothing yields until
   * the controller is registered, so two creates of one name cannot interleave.
   */
  async createDeployment(body: unknown): Promise<DeploymentView> {
    const spec = parseCreate(body);
    spec.photon = this.resolvePhoton(spec.photon);
    this.assertFree(spec.name);
    const secrets = await this.readSecrets(spec);
    this.assertFree(spec.name);
    const hadRoute = this.options.gateway.stats(spec.name) !== undefined;
    let c: DeploymentController;
    try {
      c = this.newController(spec);
      this.store.transaction(() => {
        this.store.createDeployment(spec);
        this.store.addEvent({ deployment: spec.name, type: 'created', message: `${spec.replicas} replica(s) of ${spec.photon}, policy ${spec.policy}` });
      });
    } catch (err) {
      if (!hadRoute) await this.options.gateway.removeDeployment(spec.name);
      throw err;
    }
    this.setSecrets(spec.name, secrets);
    this.run(c);
    return this.view(spec.name);
  }

  private assertFree(name: string): void {
    if (this.controllers.has(name) || this.store.getDeployment(name)) throw new LeptonError('LEPTON_ERR_CONFLICT', `deployment '${name}' already exists; use update`);
  }

  async updateDeployment(name: string, body: unknown): Promise<DeploymentView> {
    const c = this.controller(name);
    const patch = parsePatch(body, c.spec);
    // promote and rollback are whole operations of their own (canary.ts); they run on in the background
    if (patch.promote) {
      this.store.addEvent({ deployment: name, type: 'updated', message: JSON.stringify(patch) });
      void this.canaries.promote(c.spec);
      return this.view(name);
    }
    if (patch.canary === null) {
      void this.canaries.rollback(c.spec, 'rolled back on request');
      return this.view(name);
    }
    const spec: DeploymentSpec = { ...c.spec };
    if (patch.canary) spec.canary = { ...patch.canary, photon: this.resolvePhoton(patch.canary.photon) };
    if (patch.canaryWeight !== undefined) spec.canary = { ...spec.canary!, weight: patch.canaryWeight };
    if (patch.photon !== undefined) spec.photon = this.resolvePhoton(patch.photon);
    if (patch.replicas !== undefined) spec.replicas = patch.replicas;
    if (patch.policy !== undefined) spec.policy = patch.policy;
    if (patch.affinity !== undefined) spec.affinity = patch.affinity;
    if (patch.public !== undefined) spec.public = patch.public;
    if (patch.autoscaling === null) delete spec.autoscaling;
    else if (patch.autoscaling !== undefined) spec.autoscaling = patch.autoscaling;
    if (patch.secrets !== undefined) {
      if (patch.secrets.length > 0) spec.secrets = patch.secrets;
      else delete spec.secrets;
      // Read the values now (a missing secret fails the update before anything changes); replicas
      // started from here on get them, and the controller rolls the running ones.
      await this.resolveSecrets(spec);
      c.setEnvRevision(this.secretRevision(name));
    } else if (c.held) {
      // A held deployment starts only once its secrets resolve: any update tries them again first.
      await this.resolveSecrets(spec);
      c.setEnvRevision(this.secretRevision(name));
    }
    clampToAutoscaling(spec);
    this.store.updateSpec(spec);
    this.store.addEvent({ deployment: name, type: 'updated', message: JSON.stringify(patch) });
    if (c.held) void c.release();
    void c.apply(spec);
    if (spec.canary || this.canaries.has(name)) {
      if (patch.canary) this.store.addEvent({ deployment: name, type: 'canary-started', message: `${spec.canary!.photon} at ${spec.canary!.weight}%${spec.canary!.gate ? ' with an automatic gate' : ''}` });
      void this.canaries.sync(spec);
    }
    return this.view(name);
  }

  async removeDeployment(name: string): Promise<void> {
    const c = this.controller(name);
    this.controllers.delete(name);
    this.secretEnvs.delete(name);
    this.store.deleteDeployment(name);
    this.store.addEvent({ deployment: name, type: 'removed', message: 'deployment removed' });
    await Promise.all([c.stop(true), this.canaries.retire(name)]);
  }

  listDeployments(): DeploymentView[] {
    return [...this.controllers.keys()].sort().map((n) => this.view(n));
  }

  getDeployment(name: string): DeploymentView {
    return this.view(name);
  }

  /** True when `name` exists and was made `--public` (the gateway then needs no token). */
  isPublic(name: string): boolean {
    return this.controllers.get(name)?.spec.public === true;
  }

  private async resolveSecrets(spec: DeploymentSpec): Promise<void> {
    this.setSecrets(spec.name, await this.readSecrets(spec));
  }

  /** The secret env for `spec` (undefined: it has none); throws when a secret is missing. Changes nothing. */
  private async readSecrets(spec: DeploymentSpec): Promise<Record<string, string> | undefined> {
    const names = spec.secrets ?? [];
    if (names.length === 0) return undefined;
    if (!this.options.secretEnv) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'secrets need a master key: start the platform with encryption configured');
    return this.options.secretEnv(names);
  }

  private setSecrets(name: string, env: Record<string, string> | undefined): void {
    if (env) this.secretEnvs.set(name, env);
    else this.secretEnvs.delete(name);
  }

  /** A digest of the secret env replicas get (never the values): a change means a rolling restart. */
  private secretRevision(name: string): string {
    const env = this.secretEnvs.get(name);
    if (!env) return '';
    const sorted = Object.keys(env).sort().map((k) => [k, env[k]]);
    return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
  }

  /** Resolve once `name` has at least `min` ready replicas (default: its desired count). */
  async waitReady(name: string, timeoutMs: number, min?: number): Promise<DeploymentView> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = this.view(name);
      if (v.status.readyReplicas >= (min ?? v.status.desiredReplicas) && v.status.phase !== 'Updating') return v;
      if (Date.now() > until) {
        throw new LeptonError('LEPTON_ERR_NOT_READY', `deployment '${name}' not ready after ${timeoutMs} ms (phase ${v.status.phase}); see 'lep deployment logs ${name}'`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  replicas(name: string): DeploymentStatus['replicas'] {
    const c = this.controller(name);
    const stats = this.options.gateway.stats(name);
    return c.status().replicas.map((r) => {
      const g = stats?.replicas.find((x) => x.id === r.id);
      return { ...r, inFlight: g?.inFlight ?? 0, routed: g !== undefined && g.healthy };
    });
  }

  logs(name: string, replica: string | undefined, offset: number | undefined, limit: number): Array<LogSlice & { replica: string }> {
    const c = this.controller(name);
    const ids = replica === undefined ? [...c.replicas.keys()] : [replica];
    if (replica !== undefined && !c.replicas.has(replica) && !existsSync(join(c.logDir, `${replica}.log`))) {
      throw new LeptonError('LEPTON_ERR_NOT_FOUND', `deployment '${name}' has no replica '${replica}'; see 'lep deployment status ${name}'`);
    }
    return ids.map((id) => ({ replica: id, ...readLogSlice(join(c.logDir, `${id}.log`), offset, limit) }));
  }

  events(q: { deployment?: string; since?: number; limit?: number }): EventRow[] {
    return this.store.listEvents(q);
  }

  listPhotons(): PhotonRow[] {
    this.syncPhotons();
    return this.store.listPhotons();
  }

  /** The plaintext archive of `name@version` (decrypted, sha256-checked): what an exported pod's init container fetches. */
  photonArchive(ref: string): { sha256: string; archive: Uint8Array } {
    const { entry, archive } = this.options.registry.archive(ref);
    return { sha256: entry.sha256, archive };
  }

  async addPhoton(archive: Uint8Array): Promise<PhotonRow> {
    const e = await this.options.registry.add(archive);
    this.store.upsertPhoton({ name: e.name, version: e.version, sha256: e.sha256, bytes: e.bytes, created: e.created });
    this.store.addEvent({ type: 'photon-added', message: `${e.name}@${e.version} (${e.sha256.slice(0, 12)})` });
    return this.store.listPhotons().find((p) => p.name === e.name && p.version === e.version)!;
  }

  private syncPhotons(): void {
    const keep = new Set<string>();
    for (const p of this.options.registry.list()) {
      for (const v of p.versions) {
        keep.add(`${p.name}@${v.version}`);
        this.store.upsertPhoton({ name: p.name, version: v.version, sha256: v.sha256, bytes: v.bytes, created: v.created });
      }
    }
    this.store.prunePhotons(keep);
  }

  private resolvePhoton(ref: string): string {
    const e = this.options.registry.resolve(ref);
    return `${e.name}@${e.version}`;
  }

  private startController(spec: DeploymentSpec): void {
    this.run(this.newController(spec));
  }

  /** A controller for `spec`, not yet started: makes its logs folder and gateway route (and throws if it cannot). */
  private newController(spec: DeploymentSpec): DeploymentController {
    return new DeploymentController(spec, { ...this.controllerDeps(), supervisor: this.supervisorFor(spec.name) });
  }

  private controllerDeps(): Omit<ConstructorParameters<typeof DeploymentController>[1], 'supervisor'> {
    return { gateway: this.options.gateway, store: this.store, logsDir: join(this.options.home, 'logs'), log: this.log, drainTimeoutMs: this.options.drainTimeoutMs ?? 30_000 };
  }

  private run(c: DeploymentController): void {
    c.setEnvRevision(this.secretRevision(c.name));
    this.controllers.set(c.name, c);
    void c.reconcile();
  }

  /** The supervisor settings with this deployment's secret env added to every replica it starts. */
  private supervisorFor(name: string): SupervisorOptions {
    const base = this.supervisor.command;
    return {
      ...this.supervisor,
      command: (a) => {
        const c = base(a);
        const secrets = this.secretEnvs.get(name);
        return secrets ? { ...c, env: { ...c.env, ...secrets } } : c;
      },
    };
  }

  private controller(name: string): DeploymentController {
    const c = this.controllers.get(name);
    if (!c) throw new LeptonError('LEPTON_ERR_DEPLOYMENT_NOT_FOUND', `no deployment named '${name}'; see 'lep deployment list'`);
    return c;
  }

  private view(name: string): DeploymentView {
    const c = this.controller(name);
    const row = this.store.getDeployment(name);
    const status = c.status();
    const canary = this.canaries.controller(name);
    const w = c.spec.canary?.weight ?? 0;
    const minute = (rev: string): WindowSummary | null => this.options.gateway.revisionSummary(name, rev, 60_000) ?? null;
    const cs = canary?.status();
    const revisions: RevisionView[] | undefined = canary && cs ? [
      { revision: 'stable', photon: c.spec.photon, weight: 100 - w, readyReplicas: status.readyReplicas, desiredReplicas: status.desiredReplicas, lastMinute: minute('stable') },
      { revision: 'canary', photon: canary.spec.photon, weight: w, readyReplicas: cs.readyReplicas, desiredReplicas: cs.desiredReplicas, lastMinute: minute('canary'), replicas: cs.replicas },
    ] : undefined;
    return {
      spec: c.spec,
      status,
      ...(revisions ? { revisions } : {}),
      createdAt: row?.createdAt ?? '',
      updatedAt: row?.updatedAt ?? '',
      endpoint: `/deployments/${name}/`,
    };
  }

  private autoscaleTick(): void {
    const now = Date.now();
    const decide = now - this.lastDecision >= (this.options.decideMs ?? 1000);
    if (decide) this.lastDecision = now;
    if (decide && !this.gating) {
      this.gating = true;
      void this.canaries.gate((n) => this.controllers.get(n)?.spec).finally(() => (this.gating = false));
    }
    for (const c of this.controllers.values()) {
      if (!c.autoscaler) continue;
      const s = this.options.gateway.stats(c.name);
      c.autoscaler.record(now, s ? s.inFlight + s.queued : 0);
      if (!decide) continue;
      const next = c.autoscaler.decide(now, c.desired);
      if (next === c.desired) continue;
      this.store.addEvent({
        deployment: c.name,
        type: 'scaled',
        message: `${c.desired} → ${next} (mean ongoing ${c.autoscaler.meanOngoing().toFixed(2)}, target ${c.autoscaler.spec.targetOngoing}/replica)`,
      });
      void c.scaleTo(next);
    }
  }
}
