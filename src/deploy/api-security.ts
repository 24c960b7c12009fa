/**
 * Admin routes of the control-plane API: tokens (create, list, revoke), secrets (set, list names,
 * remove) and master-key rotation. Every route declares the admin scope (route-scope.ts, checked
 * by security.ts on the matched route) and its schemas (api-schemas.ts); secret values go in, never out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LeptonError, invalidArgument } from '../core/errors.js';
import type { PhotonRegistry } from '../photon/registry.js';
import { generateMasterKey, rewrapEnvelope, isEnvelope } from '../secure/envelope.js';
import type { TokenRecord } from '../secure/token-store.js';
import { issueToken, publicTokenView, revokeToken, validateRateLimit, validateTokenName, type IssueTokenOptions, type PublicTokenView } from '../secure/tokens.js';
import { validateName } from '../secure/names.js';
import { beginRotation, finishRotation } from './keyring.js';
import { RESPONSES, SECRET_PARAMS, SECRET_SET, TOKEN_CREATE, TOKEN_PARAMS } from './api-schemas.js';
import { operation as op } from './openapi.js';
import type { PlatformSecurity } from './security.js';

const API = '/api/v1';

function object(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) throw invalidArgument('request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Rewrap every photon object and secret under a new master key, then drop the old one. */
export async function rotateKeys(security: PlatformSecurity, registry: PhotonRegistry): Promise<{ keyId: string; photons: number; secrets: number }> {
  const ring = security.keys;
  if (!ring) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'no master key is configured, so there is nothing to rotate');
  const next = generateMasterKey();
  const old = [ring.current, ...ring.previous];
  beginRotation(ring, next);
  const photons = await registry.recode((stored) => (isEnvelope(stored) ? rewrapEnvelope(stored, old, next) : undefined));
  const secrets = await security.vault().rotate(next);
  finishRotation(ring);
  return { keyId: next.id, photons, secrets };
}

/** The hand-written check of a `POST /tokens` body (its messages say what to fix; the schema agrees). */
export function tokenRequest(body: unknown): IssueTokenOptions {
  const b = object(body);
  for (const k of Object.keys(b)) if (!['name', 'scopes', 'expires', 'rateLimit'].includes(k)) throw invalidArgument(`unknown field '${k}'; allowed: name, scopes, expires, rateLimit`, { field: k });
  if (typeof b['name'] !== 'string') throw invalidArgument("'name' is required", { field: 'name' });
  const name = validateTokenName(b['name']);
  const scopes = b['scopes'];
  if (!(typeof scopes === 'string' || (Array.isArray(scopes) && scopes.every((s) => typeof s === 'string')))) {
    throw invalidArgument("'scopes' must be a string or an array of strings", { field: 'scopes' });
  }
  if (b['expires'] !== undefined && typeof b['expires'] !== 'string') throw invalidArgument("'expires' must be a duration such as 30d", { field: 'expires' });
  return {
    name,
    scopes: scopes as string | string[],
    ...(b['expires'] === undefined ? {} : { expiresIn: b['expires'] }),
    ...(b['rateLimit'] === undefined ? {} : { rateLimit: validateRateLimit(b['rateLimit']) }),
  };
}

/** The hand-written check of a `PUT /secrets/{name}` body. */
export function secretValue(body: unknown): string {
  const b = object(body);
  if (Object.keys(b).some((k) => k !== 'value') || typeof b['value'] !== 'string') throw invalidArgument('body must be {"value": "…"}', { field: 'value' });
  return b['value'];
}

type IdParams = FastifyRequest<{ Params: { id: string } }>;
type NameParams = FastifyRequest<{ Params: { name: string } }>;

export function registerSecurityApi(app: FastifyInstance, security: PlatformSecurity, registry: PhotonRegistry): void {
  const view = (r: TokenRecord): PublicTokenView => publicTokenView(r, Date.now(), security.defaultRateLimit);

  app.get(`${API}/tokens`, op('admin', 'tokens.list', 'tokens', 'List tokens (never their text or hash)', { response: RESPONSES.tokens }),
    async () => ({ tokens: (await security.tokens.list()).map(view) }));

  app.post(`${API}/tokens`, {
    ...op('admin', 'tokens.create', 'tokens', 'Create a token; its text is in this answer only', { body: TOKEN_CREATE, response: RESPONSES.token }),
    preValidation: async (req) => void tokenRequest(req.body),
  }, async (req, reply) => {
    const issued = await issueToken(security.tokens, tokenRequest(req.body));
    return reply.code(201).send({ token: issued.token, ...view(issued.record) });
  });

  app.delete(`${API}/tokens/:id`, op('admin', 'tokens.revoke', 'tokens', 'Revoke a token', { params: TOKEN_PARAMS, response: RESPONSES.revoked }), async (req: IdParams) => {
    if (!/^[0-9a-f]{12}$/.test(req.params.id)) throw invalidArgument('token id must be 12 hex digits (see lep token list)', { field: 'id' });
    await revokeToken(security.tokens, req.params.id);
    return { revoked: req.params.id };
  });

  app.get(`${API}/secrets`, op('admin', 'secrets.list', 'secrets', 'List secret names (never values)', { response: RESPONSES.secrets }),
    async () => ({ secrets: await security.vault().list() }));

  app.put(`${API}/secrets/:name`, {
    ...op('admin', 'secrets.set', 'secrets', 'Set a secret', { params: SECRET_PARAMS, body: SECRET_SET, response: RESPONSES.secret }),
    preValidation: async (req: NameParams) => {
      validateName('secret', req.params.name);
      secretValue(req.body);
    },
  }, async (req: NameParams) => {
    const name = validateName('secret', req.params.name);
    await security.vault().set(name, secretValue(req.body));
    return { name };
  });

  app.delete(`${API}/secrets/:name`, op('admin', 'secrets.remove', 'secrets', 'Remove a secret', { params: SECRET_PARAMS, response: RESPONSES.removed }), async (req: NameParams) => {
    await security.vault().remove(validateName('secret', req.params.name));
    return { removed: req.params.name };
  });

  app.post(`${API}/keys/rotate`, op('admin', 'keys.rotate', 'keys', 'New master key: rewrap every photon archive and secret under it', { response: RESPONSES.rotated }),
    async () => rotateKeys(security, registry));
}
