/**
 * Admin routes of the control-plane API: tokens (create, list, revoke), secrets (set, list names,
 * remove) and master-key rotation. Every route declares the admin scope (route-scope.ts, checked
 * by security.ts on the matched route); secret values go in, never out.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LeptonError, invalidArgument } from '../core/errors.js';
import type { PhotonRegistry } from '../photon/registry.js';
import { generateMasterKey, rewrapEnvelope, isEnvelope } from '../secure/envelope.js';
import { issueToken, publicTokenView, revokeToken, validateRateLimit } from '../secure/tokens.js';
import { validateName } from '../secure/names.js';
import { beginRotation, finishRotation } from './keyring.js';
import { scoped } from './route-scope.js';
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

export function registerSecurityApi(app: FastifyInstance, security: PlatformSecurity, registry: PhotonRegistry): void {
  app.get(`${API}/tokens`, scoped('admin'), async () => ({ tokens: (await security.tokens.list()).map((r) => publicTokenView(r, Date.now(), security.defaultRateLimit)) }));

  app.post(`${API}/tokens`, scoped('admin'), async (req, reply) => {
    const b = object(req.body);
    for (const k of Object.keys(b)) if (!['name', 'scopes', 'expires', 'rateLimit'].includes(k)) throw invalidArgument(`unknown field '${k}'; allowed: name, scopes, expires, rateLimit`, { field: k });
    if (typeof b['name'] !== 'string') throw invalidArgument("'name' is required", { field: 'name' });
    const scopes = b['scopes'];
    if (!(typeof scopes === 'string' || (Array.isArray(scopes) && scopes.every((s) => typeof s === 'string')))) {
      throw invalidArgument("'scopes' must be a string or an array of strings", { field: 'scopes' });
    }
    if (b['expires'] !== undefined && typeof b['expires'] !== 'string') throw invalidArgument("'expires' must be a duration such as 30d", { field: 'expires' });
    const issued = await issueToken(security.tokens, {
      name: b['name'],
      scopes: scopes as string | string[],
      ...(b['expires'] === undefined ? {} : { expiresIn: b['expires'] }),
      ...(b['rateLimit'] === undefined ? {} : { rateLimit: validateRateLimit(b['rateLimit']) }),
    });
    return reply.code(201).send({ token: issued.token, ...publicTokenView(issued.record, Date.now(), security.defaultRateLimit) });
  });

  app.delete(`${API}/tokens/:id`, scoped('admin'), async (req: FastifyRequest<{ Params: { id: string } }>) => {
    if (!/^[0-9a-f]{12}$/.test(req.params.id)) throw invalidArgument('token id must be 12 hex digits (see lep token list)', { field: 'id' });
    await revokeToken(security.tokens, req.params.id);
    return { revoked: req.params.id };
  });

  app.get(`${API}/secrets`, scoped('admin'), async () => ({ secrets: await security.vault().list() }));

  app.put(`${API}/secrets/:name`, scoped('admin'), async (req: FastifyRequest<{ Params: { name: string } }>) => {
    const name = validateName('secret', req.params.name);
    const b = object(req.body);
    if (Object.keys(b).some((k) => k !== 'value') || typeof b['value'] !== 'string') throw invalidArgument("body must be {\"value\": \"…\"}", { field: 'value' });
    await security.vault().set(name, b['value']);
    return { name };
  });

  app.delete(`${API}/secrets/:name`, scoped('admin'), async (req: FastifyRequest<{ Params: { name: string } }>) => {
    await security.vault().remove(validateName('secret', req.params.name));
    return { removed: req.params.name };
  });

  app.post(`${API}/keys/rotate`, scoped('admin'), async () => rotateKeys(security, registry));
}
