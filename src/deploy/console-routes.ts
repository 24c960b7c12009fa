/**
 * The web console's routes on the front door (issue 18): the page at `/` for a browser (a request
 * that asks for JSON still gets the old index, which needs a read token), its built assets under
 * `/ui/` (web/dist, built at install by scripts/build-web.mjs) and onnxruntime-web's wasm files
 * under `/ui/ort/` — all public, since they hold no data — and the live data: the metrics history
 * (history.ts) as JSON per deployment and as a server-sent event stream, both read-scoped.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LeptonError } from '../core/errors.js';
import { securityHeaders } from '../secure/headers.js';
import type { ControlPlane } from './control-plane.js';
import type { Gateway } from '../gateway/gateway.js';
import { MetricsHistory, type HistorySample } from './history.js';
import { scoped } from './route-scope.js';
import { operation } from './openapi.js';
import { HISTORY_RESPONSE, NAME_PARAMS, REQUESTS_QUERY, REQUESTS_RESPONSE, STREAM_QUERY, STREAM_RESPONSE } from './console-schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A page's own Content-Security-Policy (the security wiring sends it instead of the default page policy). */
    csp?: string;
  }
}

/** The console's policy: its own scripts and wasm, its own API, nothing inline, never framed. */
export const CONSOLE_CSP = [
  "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "img-src 'self' data: blob:",
  "style-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json',
};
/** The onnxruntime-web files the in-browser runner loads (single-threaded SIMD wasm build). */
const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Every file under `dir` as `relative path → absolute path` (the only names the asset route serves). */
function listFiles(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const abs = join(dir, n);
    if (statSync(abs).isDirectory()) for (const [k, v] of listFiles(abs, `${prefix}${n}/`)) out.set(k, v);
    else out.set(`${prefix}${n}`, abs);
  }
  return out;
}

function ortDir(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  } catch {
    return undefined;
  }
}

/** True when the caller asked for a page (a browser navigating), not for data. */
function wantsPage(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const a = req.headers['accept'];
  return typeof a === 'string' && a.includes('text/html');
}

export interface ConsoleOptions {
  gateway: Gateway;
  controlPlane: ControlPlane;
  /** The JSON index answered at `/` to a caller that does not ask for a page. */
  index: () => unknown;
  /** Where the built console lives (default web/dist). */
  dist?: string;
}

/** Register the console; returns the history sampler (start it once listening, stop it on close). */
export function registerConsole(app: FastifyInstance, options: ConsoleOptions): MetricsHistory {
  const cp = options.controlPlane;
  const history = new MetricsHistory({
    gateway: options.gateway,
    deployments: () => cp.listDeployments().map((d) => ({ name: d.spec.name, desired: d.status.desiredReplicas, ready: d.status.readyReplicas })),
  });
  const assets = listFiles(options.dist ?? WEB_DIST);
  const ort = ortDir();
  for (const f of ORT_FILES) if (ort) assets.set(`ort/${f}`, join(ort, f));
  const pageHeaders = { ...securityHeaders({ kind: 'dashboard', contentSecurityPolicy: CONSOLE_CSP }) };
  const pageConfig = { config: { scope: 'public' as const, page: true, csp: CONSOLE_CSP } };

  // `/` is the page for a browser and the JSON index for everyone else, told apart by Accept
  app.addConstraintStrategy({
    name: 'consoleAccept',
    storage() {
      const m = new Map<string, unknown>();
      return { get: (k: string) => (m.get(k) ?? null) as never, set: (k: string, v: unknown) => void m.set(k, v) };
    },
    deriveConstraint: (req: FastifyRequest['raw']) => (wantsPage(req) ? 'page' : 'data'),
    mustMatchWhenDerived: false,
  });
  app.get('/', { ...pageConfig, constraints: { consoleAccept: 'page' } }, async (_req, reply) => {
    const html = assets.get('index.html');
    if (!html) throw new LeptonError('LEPTON_ERR_NOT_FOUND', 'the console is not built: run `node scripts/build-web.mjs` (npm install does)');
    return reply.headers(pageHeaders).header('cache-control', 'no-cache').type(TYPES['.html']!).send(readFileSync(html));
  });
  app.get('/', { ...scoped('read'), constraints: { consoleAccept: 'data' } }, async () => options.index());

  // gzip once per file and keep it (onnxruntime-web's wasm is 14 MB raw, about a quarter gzipped)
  const packed = new Map<string, { raw: Buffer; gz: Buffer }>();
  app.get<{ Params: { '*': string } }>('/ui/*', pageConfig, async (req, reply) => {
    const name = req.params['*'];
    const file = assets.get(name);
    if (!file) throw new LeptonError('LEPTON_ERR_NOT_FOUND', `no console asset '${name.slice(0, 100)}'`);
    let p = packed.get(name);
    if (!p) {
      const raw = readFileSync(file);
      p = { raw, gz: gzipSync(raw) };
      packed.set(name, p);
    }
    // the runtime's files change only with the installed package: cache them for a day
    void reply.headers(pageHeaders).header('cache-control', name.startsWith('ort/') ? 'public, max-age=86400' : 'no-cache').header('vary', 'accept-encoding');
    void reply.type(TYPES[extname(file)] ?? 'application/octet-stream');
    const enc = req.headers['accept-encoding'];
    if (typeof enc === 'string' && /\bgzip\b/.test(enc)) return reply.header('content-encoding', 'gzip').send(p.gz);
    return reply.send(p.raw);
  });

  app.get<{ Params: { name: string } }>('/api/v1/deployments/:name/history', operation('read', 'deployments.history', 'deployments',
    "The deployment's metrics history: one point a second for the last 15 minutes, whole and per replica", { params: NAME_PARAMS, response: HISTORY_RESPONSE }), async (req) => {
    const d = cp.getDeployment(req.params.name);
    const h = history.deployment(d.spec.name);
    return { deployment: d.spec.name, intervalMs: 1000, points: h?.points ?? [], replicas: h?.replicas ?? {} };
  });

  app.get<{ Params: { name: string }; Querystring: { limit?: number } }>('/api/v1/deployments/:name/requests', operation('read', 'deployments.requests', 'deployments',
    'The last requests to the deployment, newest first: time, status, latency, replica, revision and the batch each rode in', { params: NAME_PARAMS, querystring: REQUESTS_QUERY, response: REQUESTS_RESPONSE }), async (req) => {
    const d = cp.getDeployment(req.params.name);
    return { deployment: d.spec.name, capacity: options.gateway.requestLogSize, requests: options.gateway.recentRequests(d.spec.name, req.query.limit) };
  });

  app.get<{ Querystring: { once?: string } }>('/api/v1/stream', operation('read', 'metrics.sample', 'deployments',
    'Live metrics of every deployment as server-sent events, one sample a second; ?once=1 sends the newest and ends', { querystring: STREAM_QUERY, response: STREAM_RESPONSE }), (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'keep-alive' });
    const send = (s: HistorySample): void => void res.write(`event: sample\ndata: ${JSON.stringify(s)}\n\n`);
    send(history.latest());
    if (req.query.once !== undefined) return void res.end();
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(beat);
      unsubscribe();
      res.end();
    };
    // the stream ends with the history (the front door stops it before closing its server)
    const unsubscribe = history.subscribe(send, end);
    // a comment line now and then keeps proxies from closing an idle stream
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.raw.on('close', end);
  });
  app.addHook('onClose', async () => history.stop());
  return history;
}
