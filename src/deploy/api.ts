/**
 * REST API of the control plane under `/api/v1` (fastify): deployments, replicas, logs, photons and
 * events. Bodies are validated by spec.ts; every error is the shared envelope with its mapped status.
 * Each route declares its scope (route-scope.ts): `read` to look, `deploy` to change.
 */
import { type FastifyInstance, type FastifyRequest } from 'fastify';
import { invalidArgument } from '../core/errors.js';
import { type ControlPlane } from './control-plane.js';
import { scoped } from './route-scope.js';

export const API_PREFIX = '/api/v1';

/** Largest photon archive accepted by `POST /photons`. */
const MAX_PHOTON_BYTES = 512 * 1024 * 1024;

function intQuery(q: Record<string, unknown>, key: string, lo: number, hi: number): number | undefined {
  const v = q[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw invalidArgument(`query '${key}' must be an integer from ${lo} to ${hi}`, { field: key });
  return n;
}

function strQuery(q: Record<string, unknown>, key: string): string | undefined {
  const v = q[key];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^[a-z0-9][a-z0-9-]{0,80}$/.test(v)) throw invalidArgument(`query '${key}' is not a valid name`, { field: key });
  return v;
}

type NameParams = FastifyRequest<{ Params: { name: string } }>;

/** Register the API routes on `app`. */
export function registerApi(app: FastifyInstance, cp: ControlPlane): void {
  // JSON endpoints take JSON only: a text/plain body is a 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    ['application/octet-stream', 'application/gzip', 'application/x-gzip', 'application/x-tar'],
    { parseAs: 'buffer', bodyLimit: MAX_PHOTON_BYTES },
    (_req, body, done) => done(null, body),
  );

  app.get(`${API_PREFIX}/deployments`, scoped('read'), async () => ({ deployments: cp.listDeployments() }));

  app.post(`${API_PREFIX}/deployments`, scoped('deploy'), async (req, reply) => {
    const view = await cp.createDeployment(req.body);
    return reply.code(201).header('location', `${API_PREFIX}/deployments/${view.spec.name}`).send(view);
  });

  app.get(`${API_PREFIX}/deployments/:name`, scoped('read'), async (req: NameParams) => cp.getDeployment(req.params.name));

  app.patch(`${API_PREFIX}/deployments/:name`, scoped('deploy'), async (req: NameParams, reply) => {
    const view = await cp.updateDeployment(req.params.name, req.body);
    return reply.code(202).send(view);
  });

  app.delete(`${API_PREFIX}/deployments/:name`, scoped('deploy'), async (req: NameParams) => {
    await cp.removeDeployment(req.params.name);
    return { removed: req.params.name };
  });

  app.get(`${API_PREFIX}/deployments/:name/replicas`, scoped('read'), async (req: NameParams) => ({ replicas: cp.replicas(req.params.name) }));

  app.get(`${API_PREFIX}/deployments/:name/logs`, scoped('read'), async (req: NameParams) => {
    const q = req.query as Record<string, unknown>;
    const logs = cp.logs(
      req.params.name,
      strQuery(q, 'replica'),
      intQuery(q, 'offset', 0, Number.MAX_SAFE_INTEGER),
      intQuery(q, 'limit', 1, 4 * 1024 * 1024) ?? 64 * 1024,
    );
    return { logs };
  });

  app.get(`${API_PREFIX}/photons`, scoped('read'), async () => ({ photons: cp.listPhotons() }));

  app.post(`${API_PREFIX}/photons`, scoped('deploy'), async (req, reply) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw invalidArgument('send the packed photon archive as the body with Content-Type: application/octet-stream');
    }
    return reply.code(201).send(await cp.addPhoton(req.body));
  });

  app.get(`${API_PREFIX}/events`, scoped('read'), async (req) => {
    const q = req.query as Record<string, unknown>;
    const since = intQuery(q, 'since', 0, Number.MAX_SAFE_INTEGER);
    const limit = intQuery(q, 'limit', 1, 1000);
    const deployment = strQuery(q, 'deployment');
    return {
      events: cp.events({
        ...(deployment === undefined ? {} : { deployment }),
        ...(since === undefined ? {} : { since }),
        ...(limit === undefined ? {} : { limit }),
      }),
    };
  });
}
