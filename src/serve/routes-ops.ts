/**
 * Operational routes: /healthz, /metrics (Prometheus text), /openapi.json; plus the 404/405
 * handler, which knows every registered route so a wrong method gets 405 with an Allow header.
 */
import { type FastifyInstance } from 'fastify';
import { LeptonError } from '../core/errors.js';
import { type ServeContext } from './context.js';

export function opsRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.get('/healthz', { schema: { summary: 'Health and readiness of this replica' } }, async (_req, reply) => {
    const body = {
      status: ctx.state.ready ? 'ok' : 'draining',
      ready: ctx.state.ready,
      model: ctx.ref,
      queueDepth: ctx.runner.batcher.depth,
      executionProvider: ctx.runner.session.executionProvider,
    };
    return reply.code(ctx.state.ready ? 200 : 503).send(body);
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', hide: false } }, async (_req, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
  app.get('/openapi.json', { schema: { summary: 'OpenAPI document' } }, async () => app.swagger());
}

/** Pattern like /v2/models/:name → a RegExp over request paths. */
function toRegExp(url: string): RegExp {
  const body = url
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${body}/?$`);
}

/**
 * Record routes as they are added; returns a function that installs the not-found handler
 * (call it after every route is registered).
 */
export function trackRoutes(app: FastifyInstance): () => void {
  const routes: Array<{ re: RegExp; methods: string[] }> = [];
  app.addHook('onRoute', (opts) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    routes.push({ re: toRegExp(opts.url), methods: methods.map(String) });
  });
  return () => {
    app.setNotFoundHandler(async (req) => {
      const path = req.url.split('?')[0] ?? '/';
      const allowed = new Set<string>();
      for (const r of routes) if (r.re.test(path)) for (const m of r.methods) allowed.add(m);
      if (allowed.size > 0) {
        const allow = [...allowed].sort().join(', ');
        const e = new LeptonError('LEPTON_ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; use ${allow}`);
        throw Object.assign(e, { allow });
      }
      throw new LeptonError('LEPTON_ERR_NOT_FOUND', `no route ${req.method} ${path}; see /openapi.json`);
    });
  };
}
