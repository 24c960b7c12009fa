/**
 * The front door: one HTTP server for the whole platform. `/deployments/…` goes straight to the
 * gateway's raw handler (no framework on the hot path); everything else (`/api/v1`, `/metrics`,
 * `/healthz`) is fastify. Token auth runs as hooks on both halves (security.ts): by the matched
 * route's declared scope on the API, by the deployment routed to on the gateway.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { LeptonError } from '../core/errors.js';
import { clientErrorResponder, frameworkErrors, installFastifyErrors } from '../core/http-errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { type Gateway } from '../gateway/gateway.js';
import { API_PREFIX, registerApi } from './api.js';
import { installOpenApi } from './openapi.js';
import { type ControlPlane } from './control-plane.js';
import { registerConsole } from './console-routes.js';
import type { MetricsHistory } from './history.js';
import { matchedScope, scoped } from './route-scope.js';

export interface FrontDoorOptions {
  gateway: Gateway;
  controlPlane: ControlPlane;
  registry: Registry;
  logger?: Logger;
  /** Run before every route whose declared scope is not public (e.g. token auth); throw a LeptonError to refuse. */
  apiHooks?: Array<(req: FastifyRequest) => void | Promise<void>>;
  /** Largest JSON body for the API. Default 1 MiB. */
  bodyLimit?: number;
  /** Runs before the API routes are registered (security hooks and admin routes). */
  configure?: (app: FastifyInstance) => void;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface FrontDoor {
  app: FastifyInstance;
  /** The console's live metrics history (sampled every second once listening). */
  history: MetricsHistory;
  server: Server;
  listen(port: number, host: string): Promise<string>;
  close(): Promise<void>;
}

export async function createFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const { gateway, registry } = options;
  const log = options.logger ?? silentLogger;
  let server: Server | undefined;
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // bad %-escapes in a path and similar router errors: the error envelope, not fastify's own body
    frameworkErrors: frameworkErrors({ log }),
    serverFactory: (handler) => {
      const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
        if (gateway.matches(req.url)) gateway.handle(req, res);
        else handler(req, res);
      };
      server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : createServer(onRequest);
      // malformed requests (bad request line, oversized headers) get the error envelope too
      server.on('clientError', clientErrorResponder({ 'x-lepton-replica': 'front-door' }));
      // Longer than common client pools' idle timeouts, so the server is never the side that races a reuse.
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      return server;
    },
  });
  collectDefaultMetrics({ register: registry, prefix: 'lepton_frontdoor_' });

  installFastifyErrors(app, { log, notFoundHint: `the API lives under ${API_PREFIX}` });
  for (const hook of options.apiHooks ?? []) {
    app.addHook('preHandler', async (req) => {
      // by the matched route's declared scope, never the URL text (which the router decodes)
      const scope = matchedScope(req);
      if (scope !== undefined && scope !== 'public') await hook(req);
    });
  }

  // before any route: the API's validators and the OpenAPI document collect routes as they register
  await installOpenApi(app);
  options.configure?.(app);
  app.get('/healthz', scoped('public'), async () => ({ status: 'ok' }));
  app.get('/metrics', scoped('read'), async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  // the web console at `/` for a browser; the JSON index (read scope) for anyone else
  const history = registerConsole(app, {
    gateway,
    controlPlane: options.controlPlane,
    index: () => ({ name: 'lepton', api: `${API_PREFIX}/deployments`, deployments: options.controlPlane.listDeployments().map((d) => d.endpoint), metrics: '/metrics', console: '/' }),
  });
  registerApi(app, options.controlPlane);
  await app.ready();
  if (!server) throw new LeptonError('LEPTON_ERR_INTERNAL', 'front door server was not created');
  const srv = server;

  return {
    app,
    history,
    server: srv,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        srv.once('error', (err: NodeJS.ErrnoException) =>
          reject(
            new LeptonError(
              err.code === 'EADDRINUSE' ? 'LEPTON_ERR_CONFLICT' : 'LEPTON_ERR_IO',
              err.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use; pick another with --port` : `cannot listen on ${host}:${port}: ${err.message}`,
              { cause: err },
            ),
          ),
        );
        // A deep accept queue (the kernel caps it at somaxconn): with Node's 511, a burst of 2,000
        // connections has SYNs dropped and clients stall for seconds of retransmits before the
        // gateway can even answer 503 (issue 12, overload).
        srv.listen({ port, host, backlog: 4096 }, () => resolve());
      });
      history.start();
      const a = srv.address() as AddressInfo;
      return `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${a.port}`;
    },
    async close() {
      // open console event streams end first, or they would hold the server's close for 2 s
      history.stop();
      // We listened on the server ourselves (not app.listen), so fastify will not close it.
      const closed = srv.listening ? new Promise<void>((r) => srv.close(() => r())) : Promise.resolve();
      srv.closeIdleConnections();
      setTimeout(() => srv.closeAllConnections(), 2000).unref();
      await closed;
      await app.close();
    },
  };
}
