/**
 * The model server for one photon: loads the engine, puts it behind the batcher, mounts /predict,
 * the OIP v2 routes, health, metrics and docs on fastify, and shuts down gracefully.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { LeptonError } from '../core/errors.js';
import { clientErrorResponder, frameworkErrors, installFastifyErrors } from '../core/http-errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { getEngine, type EngineName, type ExecutionProvider } from '../runtime/index.js';
import { type BatchingSettings, type PhotonManifest } from '../photon/manifest.js';
import { type ServeContext } from './context.js';
import { loadHandler, type HandlerContext } from './handler.js';
import { ServerMetrics } from './metrics.js';
import { ModelRunner } from './model-runner.js';
import { predictRoutes } from './routes-predict.js';
import { oipRoutes } from './routes-oip.js';
import { explainRoutes } from './routes-explain.js';
import { opsRoutes, trackRoutes } from './routes-ops.js';

export interface ServeOptions {
  manifest: PhotonManifest;
  /** The ONNX model bytes (the manifest's `model` file). */
  model: Uint8Array;
  /** The handler module's bytes (the manifest's `handler` file), needed only when it names one. */
  handlerSource?: Uint8Array;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 'ort'. */
  engine?: EngineName;
  /**
   * Engine intra-op threads. Default 1: batching already amortises the per-call cost, and on small
   * hosts the event loop (HTTP, JSON) needs the remaining cores more than one small GEMM does.
   */
  threads?: number;
  executionProvider?: ExecutionProvider;
  /** Overrides of the photon's batching settings. */
  batching?: Partial<BatchingSettings>;
  /** Sent as `x-lepton-replica` on every response. Default `hostname:pid`. */
  replicaId?: string;
  /** Largest request body, bytes. Default 8 MiB. */
  bodyLimit?: number;
  /** Time to receive a whole request (headers and body), ms; stops slowloris clients. Default 10000. */
  requestTimeoutMs?: number;
  /** Pixel budget for uploaded images. Default 4096×4096. */
  limitInputPixels?: number;
  /** On shutdown, how long readiness fails before the listener closes, ms. Default 0. */
  drainDelayMs?: number;
  /** Serve /docs (Swagger UI). Default true. */
  docs?: boolean;
  logger?: Logger;
}

export interface ServerHandle {
  app: FastifyInstance;
  url: string;
  ref: string;
  replicaId: string;
  context: ServeContext;
  /** Graceful stop: readiness fails, in-flight and queued work finishes, then resources are freed. */
  close(): Promise<void>;
}

/** Build (but do not start) the server. */
export async function createServer(options: ServeOptions): Promise<{ app: FastifyInstance; context: ServeContext; replicaId: string }> {
  const logger = options.logger ?? silentLogger;
  const m = options.manifest;
  const replicaId = options.replicaId ?? `${hostname()}:${process.pid}`;
  const bodyLimit = options.bodyLimit ?? 8 * 2 ** 20;
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  const engine = await getEngine(options.engine ?? 'ort');
  const session = await engine.load(options.model, {
    logger,
    threads: options.threads ?? 1,
    ...(options.executionProvider === undefined ? {} : { executionProvider: options.executionProvider }),
  });
  const batching = { ...m.batching, ...options.batching };
  const metrics = new ServerMetrics({ replica: replicaId, model: `${m.name}@${m.version}` });
  const runner = new ModelRunner(session, {
    maxBatch: batching.maxBatch,
    maxWaitMs: batching.maxWaitMs,
    maxQueue: batching.maxQueue,
    timeoutMs: batching.timeoutMs,
    ...(batching.p99TargetMs === undefined ? {} : { p99TargetMs: batching.p99TargetMs }),
    onBatch: (rows, ms) => metrics.batch(rows, ms),
    onDepth: (rows) => metrics.queueDepth.set(rows),
  });
  const context: ServeContext = {
    manifest: m,
    ref: `${m.name}@${m.version}`,
    runner,
    metrics,
    handler: undefined,
    logger,
    bodyLimit,
    limitInputPixels: options.limitInputPixels ?? 4096 * 4096,
    state: { ready: false, closing: false },
  };
  if (m.handler) {
    if (!options.handlerSource) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `this photon has a handler: pass handlerSource (the bytes of ${m.handler})`);
    context.handler = await loadHandler(m, options.handlerSource);
  }

  const app = Fastify({
    logger: false,
    bodyLimit,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    clientErrorHandler: clientErrorResponder({ 'x-lepton-replica': replicaId }),
    // bad %-escapes in a path: the error envelope, not fastify's own body (found by the security fuzz test)
    frameworkErrors: frameworkErrors({ log: logger, headers: { 'x-lepton-replica': replicaId } }),
    serverFactory: (handler) => {
      // Own the http.Server so the request timeout is checked often enough to stop slowloris clients.
      const server: Server = createHttpServer(
        { requestTimeout: requestTimeout, headersTimeout: Math.min(requestTimeout, 60_000), connectionsCheckingInterval: Math.max(50, Math.min(1000, requestTimeout / 4)), keepAliveTimeout: 65_000 },
        handler,
      );
      return server;
    },
  });

  const installMethodGuard = trackRoutes(app);
  // Callback-style hooks: on the hot path they avoid a promise per hook per request.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-lepton-replica', replicaId);
    if (context.state.closing && !req.url.startsWith('/healthz') && !req.url.startsWith('/v2/health')) {
      done(new LeptonError('LEPTON_ERR_NOT_READY', 'server is shutting down', { retryAfter: 1 }));
      return;
    }
    done();
  });
  // While draining, close each connection after its answer: a kept-alive socket would hold
  // server.close() open until the keep-alive timeout.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (!context.state.ready) reply.header('connection', 'close');
    // Time spent here (batch queue and engine included): the gateway's concurrency limit follows it,
    // not its own round trip, which a busy gateway inflates with its own event-loop lag.
    reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(2)}`);
    done(null, payload);
  });
  app.addHook('onResponse', (req, reply, done) => {
    metrics.request(req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // The 404/405 handler comes from trackRoutes once every route is known.
  installFastifyErrors(app, { log: logger });

  await app.register(swagger, {
    openapi: { info: { title: `Lepton model server: ${context.ref}`, version: m.version, description: 'Per-photon prediction API and Open Inference Protocol v2.' } },
  });
  if (options.docs !== false) await app.register(swaggerUi, { routePrefix: '/docs' });

  const handlerCtx: HandlerContext = {
    manifest: m,
    logger,
    predict: (data, dims) => runner.predict({ [session.inputs[0]!.name]: { data, dims } }),
  };
  await predictRoutes(app, context, handlerCtx);
  await oipRoutes(app, context);
  await explainRoutes(app, context, options.model);
  opsRoutes(app, context);
  if (context.handler?.routes) await context.handler.routes(app, handlerCtx);
  installMethodGuard();
  await app.ready();
  context.state.ready = true;
  return { app, context, replicaId };
}

/** Build and start listening; resolves with the URL and a graceful `close`. */
export async function startServer(options: ServeOptions): Promise<ServerHandle> {
  const { app, context, replicaId } = await createServer(options);
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  } catch (err) {
    await context.runner.session.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new LeptonError('LEPTON_ERR_IO', `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 8080}: ${code ?? (err as Error).message}`, { cause: err });
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : options.port ?? 8080;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      context.state.ready = false;
      if (options.drainDelayMs) await new Promise((r) => setTimeout(r, options.drainDelayMs));
      context.state.closing = true;
      // app.close() waits for in-flight requests, which in turn wait for their queued batches.
      await app.close();
      context.runner.batcher.close();
      await context.runner.batcher.idle();
      await context.runner.session.close();
    })();
    return closing;
  };
  context.logger.info({ url, model: context.ref, replica: replicaId }, 'model server ready');
  return { app, url, ref: context.ref, replicaId, context, close };
}

/**
 * Exit cleanly on SIGTERM/SIGINT after a graceful close (CLI use). A replica spawned by a supervisor
 * with an IPC channel also stops when that channel closes, so a SIGKILLed parent leaves no orphans.
 */
export function closeOnSignals(handle: ServerHandle, onDone: (signal: string) => void): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    void handle.close().then(
      () => onDone(signal),
      () => onDone(signal),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (process.channel) {
    process.once('disconnect', () => stop('parent-exit'));
    process.channel.unref(); // the channel alone must not keep the server alive
  }
}
