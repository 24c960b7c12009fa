/**
 * Composition root of the platform process (`lep up`, tests, the benchmark): store + registry +
 * gateway + control plane + front door, wired in the right order and closed in the reverse one.
 */
import { Registry } from 'prom-client';
import { type Logger, silentLogger } from '../core/logger.js';
import { Gateway, type PreHandler } from '../gateway/gateway.js';
import { type RouteOptions } from '../gateway/route.js';
import { PhotonRegistry } from '../photon/registry.js';
import { JobService, registerJobsApi, type JobsOptions } from '../jobs/index.js';
import { registerReportRoutes } from './report-routes.js';
import { registerSecurityApi } from './api-security.js';
import { envelopeCodec } from './keyring.js';
import { PlatformSecurity, type PlatformSecurityOptions } from './security.js';
import { registerSessionApi } from './session.js';
import { ControlPlane, type ControlPlaneOptions } from './control-plane.js';
import { controlPlaneDeployTarget } from './deploy-target.js';
import { createFrontDoor, type FrontDoor, type FrontDoorOptions } from './front-door.js';
import { Store } from './store.js';

export interface PlatformOptions {
  /** LEPTON_HOME: the store, the photon registry and replica logs live here. */
  home: string;
  port: number;
  host: string;
  logger?: Logger;
  gatewayDefaults?: Partial<RouteOptions>;
  /** Extra gateway pre-handlers: run after the security wiring's token check, before proxying. */
  preHandlers?: PreHandler[];
  apiHooks?: FrontDoorOptions['apiHooks'];
  controlPlane?: Omit<ControlPlaneOptions, 'home' | 'store' | 'registry' | 'gateway' | 'logger'>;
  /**
   * Tokens and scopes, encryption at rest, secrets, audit log. On by default (auth required);
   * `false` turns every check off, for embedding behind another auth layer only.
   */
  security?: PlatformSecurityOptions | false;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Training jobs and pipelines under /api/v1/jobs (issue 17). The launcher says how to start a
   * `lep` command; only the CLI (or a test) may name the binary, so without it there are no jobs.
   */
  jobs?: Pick<JobsOptions, 'launcher' | 'maxConcurrent' | 'killGraceMs'>;
}

export interface Platform {
  url: string;
  store: Store;
  registry: PhotonRegistry;
  gateway: Gateway;
  controlPlane: ControlPlane;
  frontDoor: FrontDoor;
  /** Undefined only when started with `security: false`. */
  security: PlatformSecurity | undefined;
  /** Undefined when started without `jobs`. */
  jobs: JobService | undefined;
  /** The admin token created on this first start (print it once); undefined on later starts. */
  adminToken: string | undefined;
  close(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const logger = options.logger ?? silentLogger;
  const store = new Store(options.home);
  const security = options.security === false ? undefined : new PlatformSecurity(options.home, store, { ...options.security, tls: options.tls !== undefined });
  const keys = security?.keys;
  const registry = new PhotonRegistry({ home: options.home, logger, ...(keys ? { codec: envelopeCodec(keys) } : {}) });
  // archives stored before encryption was configured get encrypted now
  if (keys) await registry.seal();
  const adminToken = await security?.bootstrap();
  const metrics = new Registry();
  const gateway = new Gateway({ registry: metrics, logger, ...(options.gatewayDefaults ? { defaults: options.gatewayDefaults } : {}) });
  const secretEnv = keys && security ? (names: readonly string[]) => security.vault().resolveEnv(names) : undefined;
  // The control plane registers its scale-from-zero callback with the gateway it is given.
  const controlPlane = new ControlPlane({ ...options.controlPlane, ...(secretEnv ? { secretEnv } : {}), home: options.home, store, registry, gateway, logger });
  // The token check first (it asks the control plane which deployments are public), then the extras.
  if (security) gateway.addPreHandler(security.gatewayPreHandler((d) => controlPlane.isPublic(d)));
  for (const h of options.preHandlers ?? []) gateway.addPreHandler(h);
  const jobs = options.jobs
    ? new JobService({ ...options.jobs, home: options.home, db: store.db, registry, deploy: controlPlaneDeployTarget(controlPlane), logger })
    : undefined;
  const frontDoor = await createFrontDoor({
    gateway,
    controlPlane,
    registry: metrics,
    logger,
    ...(options.apiHooks ? { apiHooks: options.apiHooks } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    configure: (app) => {
      if (security) {
        security.install(app);
        registerSecurityApi(app, security, registry);
        registerSessionApi(app, security.sessionApi());
      }
      if (jobs) {
        registerJobsApi(app, jobs);
        registerReportRoutes(app, jobs);
      }
    },
  });
  let url: string;
  try {
    url = await frontDoor.listen(options.port, options.host);
  } catch (err) {
    await frontDoor.close().catch(() => {});
    store.close();
    throw err;
  }
  controlPlane.start();
  await jobs?.start();
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    registry,
    gateway,
    controlPlane,
    frontDoor,
    security,
    jobs,
    adminToken,
    close() {
      closing ??= (async () => {
        await jobs?.close();
        await controlPlane.close();
        await gateway.close();
        await frontDoor.close();
        store.close();
      })();
      return closing;
    },
  };
}
