/**
 * The typed client of the control-plane API (`/api/v1`): deployments (and their metrics history
 * and recent requests), photons, tokens, secrets, keys, events and the live metrics sample. Each
 * method is one row of OPERATIONS, the table a test holds against the served openapi.json, so the client and the document cannot drift apart unnoticed.
 */
import { LeptonError } from '../core/errors.js';
import { HttpCore, type ClientOptions, type HttpMethod } from './http.js';
import type {
  CreatedToken, Deployment, DeploymentCreate, DeploymentHistory, DeploymentUpdate, KeyRotation, LogSlice, MetricsSample, Photon, PlatformEvent, ReplicaInfo,
  RequestRecord, TokenCreate, TokenInfo,
} from './types.js';

/** Every control-plane operation the client calls: method and OpenAPI path template. */
export const OPERATIONS = {
  'deployments.list': ['GET', '/api/v1/deployments'],
  'deployments.create': ['POST', '/api/v1/deployments'],
  'deployments.get': ['GET', '/api/v1/deployments/{name}'],
  'deployments.update': ['PATCH', '/api/v1/deployments/{name}'],
  'deployments.remove': ['DELETE', '/api/v1/deployments/{name}'],
  'deployments.replicas': ['GET', '/api/v1/deployments/{name}/replicas'],
  'deployments.logs': ['GET', '/api/v1/deployments/{name}/logs'],
  'deployments.history': ['GET', '/api/v1/deployments/{name}/history'],
  'deployments.requests': ['GET', '/api/v1/deployments/{name}/requests'],
  'metrics.sample': ['GET', '/api/v1/stream'],
  'photons.list': ['GET', '/api/v1/photons'],
  'photons.upload': ['POST', '/api/v1/photons'],
  'photons.archive': ['GET', '/api/v1/photons/{name}/{version}/archive'],
  'events.list': ['GET', '/api/v1/events'],
  'tokens.list': ['GET', '/api/v1/tokens'],
  'tokens.create': ['POST', '/api/v1/tokens'],
  'tokens.revoke': ['DELETE', '/api/v1/tokens/{id}'],
  'secrets.list': ['GET', '/api/v1/secrets'],
  'secrets.set': ['PUT', '/api/v1/secrets/{name}'],
  'secrets.remove': ['DELETE', '/api/v1/secrets/{name}'],
  'keys.rotate': ['POST', '/api/v1/keys/rotate'],
} as const satisfies Record<string, readonly [HttpMethod, string]>;

export type OperationId = keyof typeof OPERATIONS;

type Query = Record<string, string | number | undefined>;

interface Send {
  params?: Record<string, string>;
  query?: Query;
  json?: unknown;
  bytes?: Uint8Array;
  binary?: boolean;
}

export class PlatformClient {
  private readonly http: HttpCore;

  /** `serverUrl`: the platform's address, e.g. http://127.0.0.1:8080 (what `lep up` prints). */
  constructor(serverUrl: string, options: ClientOptions = {}) {
    this.http = new HttpCore(serverUrl, options);
  }

  get server(): string {
    return this.http.base;
  }

  readonly deployments = {
    list: async (): Promise<Deployment[]> => (await this.send<{ deployments: Deployment[] }>('deployments.list')).deployments,
    get: (name: string): Promise<Deployment> => this.send('deployments.get', { params: { name } }),
    create: (body: DeploymentCreate): Promise<Deployment> => this.send('deployments.create', { json: body }),
    update: (name: string, patch: DeploymentUpdate): Promise<Deployment> => this.send('deployments.update', { params: { name }, json: patch }),
    remove: (name: string): Promise<{ removed: string }> => this.send('deployments.remove', { params: { name } }),
    replicas: async (name: string): Promise<ReplicaInfo[]> => (await this.send<{ replicas: ReplicaInfo[] }>('deployments.replicas', { params: { name } })).replicas,
    /** Each replica's log from `offset` (default: the last `limit` bytes); `replica` picks one. */
    logs: async (name: string, q: { replica?: string; offset?: number; limit?: number } = {}): Promise<LogSlice[]> =>
      (await this.send<{ logs: LogSlice[] }>('deployments.logs', { params: { name }, query: q })).logs,
    /** The console's metrics history: one point a second for the last 15 minutes, whole and per replica. */
    history: (name: string): Promise<DeploymentHistory> => this.send('deployments.history', { params: { name } }),
    /** The last requests (newest first): status, latency, replica, revision and the batch each rode in. */
    requests: async (name: string, q: { limit?: number } = {}): Promise<RequestRecord[]> =>
      (await this.send<{ requests: RequestRecord[] }>('deployments.requests', { params: { name }, query: q })).requests,
  };

  readonly metrics = {
    /** The newest sample of the live stream (`/api/v1/stream?once=1`): every deployment's current point. */
    sample: async (): Promise<MetricsSample> => {
      const bytes = await this.send<Uint8Array>('metrics.sample', { query: { once: '1' }, binary: true });
      const data = /^data: (.*)$/m.exec(new TextDecoder().decode(bytes))?.[1];
      if (data === undefined) throw new LeptonError('LEPTON_ERR_UPSTREAM', 'the stream sent no sample');
      return JSON.parse(data) as MetricsSample;
    },
  };

  readonly photons = {
    list: async (): Promise<Photon[]> => (await this.send<{ photons: Photon[] }>('photons.list')).photons,
    /** Store a packed photon archive (`lep photon create` makes one); the same bytes again are a no-op. */
    upload: (archive: Uint8Array): Promise<Photon> => this.send('photons.upload', { bytes: archive }),
    /** The stored archive of `name@version`, as bytes (what an exported Kubernetes pod fetches; check its sha256). */
    archive: (name: string, version: string): Promise<Uint8Array> => this.send('photons.archive', { params: { name, version }, binary: true }),
  };

  readonly tokens = {
    list: async (): Promise<TokenInfo[]> => (await this.send<{ tokens: TokenInfo[] }>('tokens.list')).tokens,
    create: (body: TokenCreate): Promise<CreatedToken> => this.send('tokens.create', { json: body }),
    revoke: (id: string): Promise<{ revoked: string }> => this.send('tokens.revoke', { params: { id } }),
  };

  readonly secrets = {
    list: async (): Promise<string[]> => (await this.send<{ secrets: string[] }>('secrets.list')).secrets,
    set: (name: string, value: string): Promise<{ name: string }> => this.send('secrets.set', { params: { name }, json: { value } }),
    remove: (name: string): Promise<{ removed: string }> => this.send('secrets.remove', { params: { name } }),
  };

  readonly keys = {
    /** New master key; photon archives' and secrets' data keys are rewrapped under it. */
    rotate: (): Promise<KeyRotation> => this.send('keys.rotate'),
  };

  readonly events = {
    /** Oldest first, after id `since`; `deployment` narrows to one. */
    list: async (q: { deployment?: string; since?: number; limit?: number } = {}): Promise<PlatformEvent[]> =>
      (await this.send<{ events: PlatformEvent[] }>('events.list', { query: q })).events,
  };

  private send<T>(op: OperationId, s: Send = {}): Promise<T> {
    const [method, template] = OPERATIONS[op];
    const path = template.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(s.params?.[k] ?? ''));
    const query = Object.entries(s.query ?? {}).filter((e): e is [string, string | number] => e[1] !== undefined);
    const qs = query.length === 0 ? '' : `?${new URLSearchParams(query.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
    // a create is not repeated after a lost answer (it may have happened); reads, sets and removes are
    const idempotent = method !== 'POST' && method !== 'PATCH';
    return this.http.call<T>({
      method,
      path: path + qs,
      idempotent,
      ...(s.binary === true ? { binary: true } : {}),
      ...(s.json === undefined ? {} : { body: JSON.stringify(s.json), contentType: 'application/json' }),
      ...(s.bytes === undefined ? {} : { body: s.bytes, contentType: 'application/octet-stream' }),
    });
  }
}
