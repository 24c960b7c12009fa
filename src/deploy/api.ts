/**
 * REST API of the control plane under `/api/v1` (fastify): deployments, replicas, logs, photons and
 * events. Each route declares its scope (route-scope.ts: `read` to look, `deploy` to change) and its
 * schemas (api-schemas.ts), which validate it and make `/api/v1/openapi.json` (openapi.ts). A body
 * is first checked by spec.ts, whose messages say exactly what to fix; every error is the shared envelope.
 */
import { type FastifyInstance, type FastifyRequest } from 'fastify';
import { invalidArgument } from '../core/errors.js';
import { ARCHIVE, ARCHIVE_TYPES, DEPLOYMENT_CREATE, DEPLOYMENT_PATCH, EVENTS_QUERY, LOGS_QUERY, NAME_PARAMS, PHOTON_PARAMS, RESPONSES } from './api-schemas.js';
import { type ControlPlane } from './control-plane.js';
import { operation as op, registerApiDocs } from './openapi.js';
import { parseCreate, parsePatch } from './spec.js';

export const API_PREFIX = '/api/v1';

/** Largest photon archive accepted by `POST /photons`. */
const MAX_PHOTON_BYTES = 512 * 1024 * 1024;

type NameParams = FastifyRequest<{ Params: { name: string } }>;
type PhotonRequest = FastifyRequest<{ Params: { name: string; version: string } }>;
type LogsRequest = FastifyRequest<{ Params: { name: string }; Querystring: { replica?: string; offset?: number; limit?: number } }>;
type EventsRequest = FastifyRequest<{ Querystring: { deployment?: string; since?: number; limit?: number } }>;

function archive(body: unknown): Buffer {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw invalidArgument('send the packed photon archive as the body with Content-Type: application/octet-stream');
  }
  return body;
}

/** Register the API routes (and the API docs) on `app`. */
export function registerApi(app: FastifyInstance, cp: ControlPlane): void {
  // JSON endpoints take JSON only: a text/plain body is a 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(ARCHIVE_TYPES, { parseAs: 'buffer', bodyLimit: MAX_PHOTON_BYTES }, (_req, body, done) => done(null, body));

  app.get(`${API_PREFIX}/deployments`, op('read', 'deployments.list', 'deployments', 'List deployments', { response: RESPONSES.deployments }), async () => ({ deployments: cp.listDeployments() }));

  app.post(`${API_PREFIX}/deployments`, {
    ...op('deploy', 'deployments.create', 'deployments', 'Create a deployment of a photon', { body: DEPLOYMENT_CREATE, response: RESPONSES.created }),
    // spec.ts first: its messages name the fix (and the schema must then agree)
    preValidation: async (req) => void parseCreate(req.body),
  }, async (req, reply) => {
    const view = await cp.createDeployment(req.body);
    return reply.code(201).header('location', `${API_PREFIX}/deployments/${view.spec.name}`).send(view);
  });

  app.get(`${API_PREFIX}/deployments/:name`, op('read', 'deployments.get', 'deployments', 'A deployment: spec and status', { params: NAME_PARAMS, response: RESPONSES.deployment }),
    async (req: NameParams) => cp.getDeployment(req.params.name));

  app.patch(`${API_PREFIX}/deployments/:name`, {
    ...op('deploy', 'deployments.update', 'deployments', 'Change photon or secrets (rolling update), replicas, policy, access or autoscaling', {
      params: NAME_PARAMS, body: DEPLOYMENT_PATCH, response: RESPONSES.updated,
    }),
    // an unknown deployment is a 404 before its body is looked at
    preValidation: async (req: NameParams) => void parsePatch(req.body, cp.getDeployment(req.params.name).spec),
  }, async (req: NameParams, reply) => {
    const view = await cp.updateDeployment(req.params.name, req.body);
    return reply.code(202).send(view);
  });

  app.delete(`${API_PREFIX}/deployments/:name`, op('deploy', 'deployments.remove', 'deployments', 'Remove a deployment (its replicas drain and stop)', { params: NAME_PARAMS, response: RESPONSES.removed }),
    async (req: NameParams) => {
      await cp.removeDeployment(req.params.name);
      return { removed: req.params.name };
    });

  app.get(`${API_PREFIX}/deployments/:name/replicas`, op('read', 'deployments.replicas', 'deployments', "A deployment's replicas, with the gateway's view of each", { params: NAME_PARAMS, response: RESPONSES.replicas }),
    async (req: NameParams) => ({ replicas: cp.replicas(req.params.name) }));

  app.get(`${API_PREFIX}/deployments/:name/logs`, op('read', 'deployments.logs', 'deployments', "A deployment's replica logs", { params: NAME_PARAMS, querystring: LOGS_QUERY, response: RESPONSES.logs }),
    async (req: LogsRequest) => ({ logs: cp.logs(req.params.name, req.query.replica, req.query.offset, req.query.limit ?? 64 * 1024) }));

  app.get(`${API_PREFIX}/photons`, op('read', 'photons.list', 'photons', 'List photons and their versions', { response: RESPONSES.photons }), async () => ({ photons: cp.listPhotons() }));

  app.post(`${API_PREFIX}/photons`, {
    ...op('deploy', 'photons.upload', 'photons', 'Store a packed photon archive (the same bytes again are a no-op)', {
      body: { content: Object.fromEntries(ARCHIVE_TYPES.map((t) => [t, { schema: ARCHIVE }])) },
      response: RESPONSES.photon,
    }),
    preValidation: async (req) => void archive(req.body),
  }, async (req, reply) => reply.code(201).send(await cp.addPhoton(archive(req.body))));

  // a read-scoped token suffices: the Kubernetes export's init container pins and checks the sha256 itself
  app.get(`${API_PREFIX}/photons/:name/:version/archive`, op('read', 'photons.archive', 'photons', "A photon's archive (decrypted), as stored; x-lepton-sha256 names its content", {
    params: PHOTON_PARAMS, response: { 200: { description: 'the archive bytes', content: { 'application/octet-stream': { schema: ARCHIVE } } } },
  }),
    async (req: PhotonRequest, reply) => {
      const { sha256, archive: bytes } = cp.photonArchive(`${req.params.name}@${req.params.version}`);
      return reply.type('application/octet-stream').header('x-lepton-sha256', sha256).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });

  app.get(`${API_PREFIX}/events`, op('read', 'events.list', 'events', 'Platform events, oldest first', { querystring: EVENTS_QUERY, response: RESPONSES.events }),
    async (req: EventsRequest) => {
      const { deployment, since, limit } = req.query;
      return {
        events: cp.events({
          ...(deployment === undefined ? {} : { deployment }),
          ...(since === undefined ? {} : { since }),
          ...(limit === undefined ? {} : { limit }),
        }),
      };
    });

  registerApiDocs(app);
}
