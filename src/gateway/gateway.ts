/**
 * The gateway: routes `/deployments/{name}/…` to the deployment's replicas through its Route and
 * the proxy. The control plane registers deployments and replicas here, and its scale-from-zero
 * callback (setOnDemand); pre-handlers (token auth for the exact deployment named) run before
 * proxying. Callbacks are registered after construction, so the gateway is built before what
 * they call. It is a raw Node handler so the hot path skips any framework.
 */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { LeptonError } from '../core/errors.js';
import { RESOURCE_NAME_PATTERN } from '../core/names.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { sendError } from '../core/http-errors.js';
import { GatewayMetrics } from './metrics.js';
import { type MemberSpec } from './member.js';
import { proxy } from './proxy.js';
import { RequestLog, type RequestRecord, type RequestTrace } from './request-log.js';
import { RevisionSplit, RevisionWindow, type RevisionWeight, type WindowSummary } from './revisions.js';
import { DEFAULT_ROUTE_OPTIONS, Route, type ReplicaOutlook, type RouteOptions } from './route.js';
import { type PolicyName } from './types.js';
import { type Registry } from 'prom-client';

export const DEPLOYMENT_PREFIX = '/deployments/';

/** The revision a deployment's own route serves; a canary's route is `revisionKey(name, 'canary')`. */
export const STABLE_REVISION = 'stable';

/** The route key of a deployment's non-stable revision: no URL can name it (`~` is not in a deployment name). */
export function revisionKey(deployment: string, revision: string): string {
  return revision === STABLE_REVISION ? deployment : `${deployment}~${revision}`;
}

interface Split {
  split: RevisionSplit;
  /** Where the affinity key is read, so a key stays on one revision. */
  header: string;
  cookie: string | undefined;
  windows: Map<string, RevisionWindow>;
}

/** Runs before a request is routed; throw a LeptonError (e.g. 401) to refuse it. */
export type PreHandler = (req: IncomingMessage, ctx: { deployment: string; path: string }) => void | Promise<void>;

/** A request found a deployment with no replica: the autoscaler may scale it from zero; the answer says whether waiting helps. */
export type OnDemand = (deployment: string) => ReplicaOutlook | void;

export interface GatewayOptions {
  registry: Registry;
  logger?: Logger;
  /** Defaults every route starts from; per-deployment overrides are merged over them. */
  defaults?: Partial<RouteOptions>;
  /** The first pre-handlers (more: addPreHandler). */
  preHandlers?: PreHandler[];
  /** The scale-from-zero callback, when it exists before the gateway (else: setOnDemand). */
  onDemand?: OnDemand;
  /** Requests kept per deployment for `recentRequests` (a ring buffer). Default 200; 0 keeps none. */
  requestLogSize?: number;
}

export interface ReplicaStats {
  id: string;
  origin: string;
  inFlight: number;
  healthy: boolean;
  draining: boolean;
  ejected: boolean;
}

export class Gateway {
  readonly metrics: GatewayMetrics;
  readonly preHandlers: PreHandler[];
  private readonly routes = new Map<string, Route>();
  private readonly splits = new Map<string, Split>();
  private readonly requestLogs = new Map<string, RequestLog>();
  /** Requests kept per deployment (0: none). */
  readonly requestLogSize: number;
  private readonly log: Logger;
  private readonly defaults: RouteOptions;
  private onDemand: OnDemand | undefined;

  constructor(options: GatewayOptions) {
    this.metrics = new GatewayMetrics(options.registry);
    this.log = options.logger ?? silentLogger;
    this.defaults = mergeOptions(DEFAULT_ROUTE_OPTIONS, options.defaults ?? {});
    this.preHandlers = [...(options.preHandlers ?? [])];
    this.onDemand = options.onDemand;
    this.requestLogSize = options.requestLogSize ?? 200;
  }

  /** The last requests to `deployment` (all its revisions), newest first. */
  recentRequests(deployment: string, limit?: number): RequestRecord[] {
    return this.requestLogs.get(deployment)?.list(limit) ?? [];
  }

  /** Register the scale-from-zero callback (the control plane does, once it exists); routes made earlier use it too. */
  setOnDemand(onDemand: OnDemand): void {
    this.onDemand = onDemand;
  }

  /** Add a pre-handler; they run in the order added, and the first to throw refuses the request. */
  addPreHandler(handler: PreHandler): void {
    this.preHandlers.push(handler);
  }

  /** Create or reconfigure a deployment's route. */
  upsertDeployment(name: string, overrides: Partial<RouteOptions> = {}): Route {
    const existing = this.routes.get(name);
    if (existing) {
      if (overrides.policy && overrides.policy !== existing.policy.name) existing.setPolicy(overrides.policy, overrides.affinity);
      return existing;
    }
    const route = new Route(name, mergeOptions(this.defaults, overrides), this.metrics, this.log, (d) => this.onDemand?.(d));
    this.routes.set(name, route);
    return route;
  }

  setPolicy(name: string, policy: PolicyName): void {
    this.route(name).setPolicy(policy);
  }

  /**
   * Split `deployment`'s traffic between revisions (whole percents summing to 100), or end the
   * split (undefined: the deployment's own route takes everything). Each revision's outcomes are
   * kept for `revisionSummary` from here on.
   */
  setSplit(deployment: string, weights: RevisionWeight[] | undefined, affinity: { header?: string; cookie?: string } = {}): void {
    if (!weights) {
      this.splits.delete(deployment);
      return;
    }
    const old = this.splits.get(deployment);
    this.splits.set(deployment, {
      split: new RevisionSplit(weights),
      header: (affinity.header ?? 'x-session-id').toLowerCase(),
      cookie: affinity.cookie,
      windows: new Map(weights.map((w) => [w.revision, old?.windows.get(w.revision) ?? new RevisionWindow()])),
    });
  }

  /** Requests, server errors and p99 of one revision over the last `windowMs` (undefined: no split). */
  revisionSummary(deployment: string, revision: string, windowMs: number): WindowSummary | undefined {
    return this.splits.get(deployment)?.windows.get(revision)?.summary(Date.now(), windowMs);
  }

  async removeDeployment(name: string): Promise<void> {
    this.splits.delete(name);
    this.requestLogs.delete(name);
    const r = this.routes.get(name);
    if (!r) return;
    this.routes.delete(name);
    await r.close();
  }

  addReplica(deployment: string, spec: MemberSpec): void {
    this.route(deployment).add(spec);
  }

  /** Stop sending new work to a replica and resolve once its in-flight requests are done. */
  drainReplica(deployment: string, id: string, timeoutMs?: number): Promise<void> {
    return this.routes.get(deployment)?.drain(id, timeoutMs) ?? Promise.resolve();
  }

  removeReplica(deployment: string, id: string): Promise<void> {
    return this.routes.get(deployment)?.remove(id) ?? Promise.resolve();
  }

  /** Load figures the autoscaler reads. */
  stats(deployment: string): { inFlight: number; queued: number; replicas: ReplicaStats[] } | undefined {
    const r = this.routes.get(deployment);
    if (!r) return undefined;
    return {
      inFlight: r.inFlight,
      queued: r.queued,
      replicas: r.members.map((m) => ({
        id: m.id,
        origin: m.origin,
        inFlight: m.inFlight,
        healthy: m.healthy,
        draining: m.draining,
        ejected: m.ejected,
      })),
    };
  }

  /** True when `url` belongs to the gateway (the front door sends everything else to the API). */
  matches(url: string | undefined): boolean {
    return url !== undefined && url.startsWith(DEPLOYMENT_PREFIX);
  }

  /**
   * Node request handler for `/deployments/{name}/…`. The name must be written plainly (the
   * deployment name rule: no %-escapes, dot segments, case or other spellings to decode), so the
   * name pre-handlers authorise is byte for byte the deployment routed to; anything else is a 400.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const rest = url.slice(DEPLOYMENT_PREFIX.length);
    const cut = rest.search(/[/?]/);
    const name = cut < 0 ? rest : rest.slice(0, cut);
    if (!RESOURCE_NAME_PATTERN.test(name)) {
      req.resume();
      sendError(res, new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'the deployment name in the path must be written plainly: lowercase letters, digits and inner dashes'));
      return;
    }
    let path = cut < 0 ? '/' : rest.slice(cut);
    if (path.startsWith('?')) path = `/${path}`;
    const own = this.routes.get(name);
    const route = own && this.splits.size > 0 ? this.revisionRoute(name, own, req, res) : own;
    if (!route) {
      req.resume();
      sendError(res, new LeptonError('LEPTON_ERR_DEPLOYMENT_NOT_FOUND', `no deployment named '${name}'`));
      return;
    }
    const trace = this.requestLogSize > 0 ? this.trace(name, route, req, res, path) : undefined;
    if (this.preHandlers.length === 0) {
      void proxy(req, res, route, path, this.metrics, trace);
      return;
    }
    void this.runPreHandlers(req, name, path)
      .then(() => proxy(req, res, route, path, this.metrics, trace))
      .catch((err: unknown) => {
        req.resume();
        sendError(res, err);
      });
  }

  async close(): Promise<void> {
    const all = [...this.routes.values()];
    this.routes.clear();
    await Promise.all(all.map((r) => r.close()));
  }

  /**
   * The route of the revision this request goes to. A revision with no replica (a canary still
   * starting, a stable one mid-promotion) hands its turn to one that has, so a split never fails a
   * request another revision could serve.
   */
  private revisionRoute(name: string, own: Route, req: IncomingMessage, res: ServerResponse): Route {
    const s = this.splits.get(name);
    if (!s) return own;
    const revision = s.split.pick(affinityKey(req, s.header, s.cookie));
    let route = this.routes.get(revisionKey(name, revision)) ?? own;
    let served = revision;
    if (route.members.length === 0) {
      for (const w of s.split.weights) {
        const other = this.routes.get(revisionKey(name, w.revision));
        if (other && other.members.length > 0) {
          route = other;
          served = w.revision;
          break;
        }
      }
    }
    const window = s.windows.get(served);
    if (window) {
      const t0 = performance.now();
      res.once('finish', () => window.record(Date.now(), res.statusCode >= 500, performance.now() - t0));
    }
    return route;
  }

  /** Record this request in its deployment's ring buffer once the response closes; the proxy fills in the replica and batch. */
  private trace(name: string, route: Route, req: IncomingMessage, res: ServerResponse, path: string): RequestTrace {
    const log = this.requestLogs.get(name) ?? new RequestLog(this.requestLogSize);
    this.requestLogs.set(name, log);
    const trace: RequestTrace = { replica: null, batch: null };
    const t = Date.now();
    const t0 = performance.now();
    const revision = route.name === name ? STABLE_REVISION : route.name.slice(name.length + 1);
    const q = path.indexOf('?');
    res.on('close', () => log.push({
      t, method: req.method ?? 'GET', path: (q < 0 ? path : path.slice(0, q)).slice(0, 200), status: res.headersSent ? res.statusCode : 0,
      ms: performance.now() - t0, replica: trace.replica, batch: trace.batch, revision, aborted: !res.writableFinished,
    }));
    return trace;
  }

  private async runPreHandlers(req: IncomingMessage, deployment: string, path: string): Promise<void> {
    for (const h of this.preHandlers) await h(req, { deployment, path });
  }

  private route(name: string): Route {
    const r = this.routes.get(name);
    if (!r) throw new LeptonError('LEPTON_ERR_DEPLOYMENT_NOT_FOUND', `no deployment named '${name}' in the gateway`);
    return r;
  }
}

function mergeOptions(base: RouteOptions, over: Partial<RouteOptions>): RouteOptions {
  return {
    ...base,
    ...over,
    affinity: { ...base.affinity, ...over.affinity },
    health: { ...base.health, ...over.health },
    outlier: { ...base.outlier, ...over.outlier },
    retryBudget: { ...base.retryBudget, ...over.retryBudget },
  };
}

/** The affinity key of a request: the header, else the cookie; undefined when it has neither. */
function affinityKey(req: IncomingMessage, header: string, cookie: string | undefined): string | undefined {
  const h = req.headers[header];
  if (typeof h === 'string' && h !== '') return h;
  if (cookie === undefined) return undefined;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === cookie) return part.slice(eq + 1).trim();
  }
  return undefined;
}
