/**
 * Composition root of the platform process (`lep up`, tests, the benchmark): store + registry +
 * gateway + control plane + front door, wired in the right order and closed in the reverse one.
 */
import { Registry } from 'prom-client';
import { type Logger, silentLogger } from '../core/logger.js';
import { Gateway, type PreHandler } from '../gateway/gateway.js';
import { type RouteOptions } from '../gateway/route.js';
import { PhotonRegistry } from '../photon/registry.js';
import { ControlPlane, type ControlPlaneOptions } from './control-plane.js';
import { createFrontDoor, type FrontDoor, type FrontDoorOptions } from './front-door.js';
import { Store } from './store.js';

export interface PlatformOptions {
  /** LEPTON_HOME: the store, the photon registry and replica logs live here. */
  home: string;
  port: number;
  host: string;
  logger?: Logger;
  gatewayDefaults?: Partial<RouteOptions>;
  /** Gateway pre-handlers (auth later). */
  preHandlers?: PreHandler[];
  apiHooks?: FrontDoorOptions['apiHooks'];
  controlPlane?: Omit<ControlPlaneOptions, 'home' | 'store' | 'registry' | 'gateway' | 'logger'>;
}

export interface Platform {
  url: string;
  store: Store;
  registry: PhotonRegistry;
  gateway: Gateway;
  controlPlane: ControlPlane;
  frontDoor: FrontDoor;
  close(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const logger = options.logger ?? silentLogger;
  const store = new Store(options.home);
  const registry = new PhotonRegistry({ home: options.home, logger });
  const metrics = new Registry();
  let cp: ControlPlane | undefined;
  const gateway = new Gateway({
    registry: metrics,
    logger,
    ...(options.gatewayDefaults ? { defaults: options.gatewayDefaults } : {}),
    ...(options.preHandlers ? { preHandlers: options.preHandlers } : {}),
    onDemand: (d) => cp?.onDemand(d),
  });
  cp = new ControlPlane({ ...options.controlPlane, home: options.home, store, registry, gateway, logger });
  const controlPlane = cp;
  const frontDoor = await createFrontDoor({
    gateway,
    controlPlane,
    registry: metrics,
    logger,
    ...(options.apiHooks ? { apiHooks: options.apiHooks } : {}),
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
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    registry,
    gateway,
    controlPlane,
    frontDoor,
    close() {
      closing ??= (async () => {
        await controlPlane.close();
        await gateway.close();
        await frontDoor.close();
        store.close();
      })();
      return closing;
    },
  };
}
