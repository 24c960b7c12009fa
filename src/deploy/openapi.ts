/**
 * The control-plane API's schemas at work: requests validated by ajv against api-schemas.ts (bodies
 * strictly, without coercion or silent removal; query and path strings coerced to their types),
 * failures answered as 400 LEPTON_ERR_INVALID_ARGUMENT naming the field, and `/api/v1/openapi.json`
 * generated from the same schemas by @fastify/swagger, rendered at `/api/v1/docs` (swagger-ui).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';
import type { FastifyInstance, FastifySchemaCompiler, RouteOptions } from 'fastify';
import { invalidArgument, type LeptonError } from '../core/errors.js';
import { COMPONENTS } from './api-schemas.js';
import { isRouteScope, scoped, type RouteScope } from './route-scope.js';

export const DOCS_PREFIX = '/api/v1/docs';
export const OPENAPI_PATH = '/api/v1/openapi.json';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Serves a page for a browser (the API docs): it gets the page security headers, not the API's. */
    page?: boolean;
  }
}

/** Route config a plugin's context gives the routes it registers (set with `decorate`), for plugins that cannot set config themselves. */
const CONTEXT_ROUTE_CONFIG = 'leptonRouteConfig';

interface RouteDefaults { scope: RouteScope; page?: boolean }

function ajvFor(coerce: boolean): Ajv {
  // no defaults filled and nothing removed: what the caller sent is what is checked (spec.ts refuses
  // unknown fields by name; a silent removal would accept them); verbose: the formatter reads the schema
  return new Ajv({ coerceTypes: coerce, useDefaults: false, removeAdditional: false, allErrors: false, verbose: true, strict: true });
}

/**
 * The compiler of request-part validators the API uses (exported for the tests that hold the
 * schemas against spec.ts). An archive body (format binary) is bytes, not JSON.
 */
export function schemaCompiler(): FastifySchemaCompiler<Record<string, unknown>> {
  const body = ajvFor(false);
  const strings = ajvFor(true);
  return ({ schema, httpPart }) => {
    if (schema['format'] === 'binary') {
      return (data: unknown) => (Buffer.isBuffer(data) && data.length > 0 ? true
        : { error: invalidArgument('send the packed photon archive as the body with Content-Type: application/octet-stream') });
    }
    return (httpPart === 'body' ? body : strings).compile(schema);
  };
}

const PARTS: Record<string, string> = { body: '', querystring: 'query ', params: 'path parameter ', headers: 'header ' };

/** One ajv error as a message a user can act on, in the words spec.ts uses. */
export function describeError(e: ErrorObject, part: string): LeptonError {
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty
    : e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
  const field = [...path, ...(extra === undefined ? [] : [extra])].join('.');
  const s = (e.parentSchema ?? {}) as Record<string, unknown>;
  const name = field === '' ? 'request body' : `${PARTS[part] ?? ''}'${field}'`;
  const lo = s['minimum'] !== undefined ? `from ${String(s['minimum'])}` : s['exclusiveMinimum'] !== undefined ? `above ${String(s['exclusiveMinimum'])}` : '';
  const hi = s['maximum'] === undefined ? '' : lo.startsWith('from') ? `to ${String(s['maximum'])}` : `${lo === '' ? '' : 'and '}at most ${String(s['maximum'])}`;
  const bounds = [lo, hi].filter((x) => x !== '').map((x) => ` ${x}`).join('');
  let msg: string;
  switch (e.keyword) {
    case 'required':
      msg = `${name} is required`;
      break;
    case 'additionalProperties': {
      const allowed = Object.keys((s['properties'] ?? {}) as object).join(', ');
      msg = `${path.length === 0 ? 'request body' : `'${path.join('.')}'`}: unknown field '${extra}'; allowed: ${allowed}`;
      break;
    }
    case 'enum':
      msg = `${name} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).join(', ')}`;
      break;
    case 'pattern':
      msg = `${name} is not valid${typeof s['description'] === 'string' ? `: ${s['description']}` : ''}`;
      break;
    case 'minProperties':
      msg = `${name} is empty: give at least one field`;
      break;
    default: {
      const t = s['type'];
      msg = t === 'integer' ? `${name} must be an integer${bounds}`
        : t === 'number' ? `${name} must be a number${bounds}${s['nullable'] === true ? ', or null' : ''}`
          : t === 'boolean' ? `${name} must be true or false`
            : t === 'object' ? `${name} must be a JSON object`
              : t === 'array' ? `${name} must be an array${s['maxItems'] === undefined ? '' : ` of at most ${String(s['maxItems'])} items`}`
                : `${name} ${typeof s['description'] === 'string' && e.keyword !== 'type' ? `must be ${s['description']}` : e.message ?? 'is not valid'}`;
    }
  }
  return invalidArgument(msg, { field: field === '' ? part : field });
}

/** This package's version, for the document's info (from src/ and from a build alike). */
function packageVersion(): string {
  try {
    return String((createRequire(import.meta.url)('../../package.json') as { version?: unknown }).version ?? '0');
  } catch {
    return '0';
  }
}

/**
 * Install before any API route is added (the document collects routes as they register): the
 * validator compilers, the error formatter, the shared schemas and @fastify/swagger. Answers are
 * serialized as they are (JSON.stringify): a response schema documents, it never drops a field.
 */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(schemaCompiler());
  app.setSerializerCompiler(() => (data: unknown) => JSON.stringify(data));
  app.setSchemaErrorFormatter((errors, part) => {
    const e = errors[0] as ErrorObject | undefined;
    return e ? describeError(e, part) : invalidArgument(`the request ${part} is not valid`);
  });
  for (const s of COMPONENTS) app.addSchema(s);
  // a plugin's routes take the config its context declares (docs: public pages); this hook runs
  // before the security wiring's check that every route declares a scope
  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    const d = (this as unknown as Record<string, unknown>)[CONTEXT_ROUTE_CONFIG] as RouteDefaults | undefined;
    if (d && !isRouteScope(route.config?.scope)) route.config = { ...route.config, ...d };
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Lepton control plane',
        version: packageVersion(),
        description: 'Deployments, photons, events, tokens, secrets and keys of a Lepton platform (`lep up`). '
          + 'Every error is {"error": {"code": "LEPTON_ERR_…", "message": "…"}} with the status its code maps to. '
          + 'Send a token as `Authorization: Bearer <token>`; each operation names the scope it needs (admin covers all, deploy covers read).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token from `lep up` (first start) or `lep token create`' } } },
      tags: ['deployments', 'photons', 'events', 'tokens', 'secrets', 'keys'].map((name) => ({ name })),
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`) },
    // the document is the /api/v1 surface; each operation says who may call it, from its declared scope
    transform: ({ schema, url, route }) => {
      const scope: unknown = route.config?.scope;
      if (!url.startsWith('/api/v1/')) return { schema: { ...schema, hide: true }, url };
      // an API route without schemas still shows (bare), so the client-agreement test sees it
      const needs = scope === 'public' ? 'No token needed.' : `Needs a token with the \`${String(scope)}\` scope.`;
      const base = (schema ?? {}) as Record<string, unknown>;
      return {
        url,
        schema: {
          ...base,
          description: `${typeof base['description'] === 'string' ? `${base['description']} ` : ''}${needs}`,
          ...(scope === 'public' ? {} : { security: [{ bearer: [] }] }),
        } as typeof schema,
      };
    },
  });
}

/** Route options of an API operation: its scope, OpenAPI id (the client's method name), tag, summary and schemas. */
export function operation(scope: RouteScope, operationId: string, tag: string, summary: string, schema: Record<string, unknown>): { config: { scope: RouteScope }; schema: Record<string, unknown> } {
  return { ...scoped(scope), schema: { operationId, tags: [tag], summary, ...schema } };
}

/**
 * The document and its rendering. Both are public: API docs are read in a browser, which cannot
 * attach a bearer token to a page load, and they describe only the API's shape (the same for every
 * install, in the open source), never a deployment, token or secret. The model server's
 * /openapi.json is public for the same reason.
 */
export function registerApiDocs(app: FastifyInstance): void {
  app.get(OPENAPI_PATH, { ...scoped('public'), schema: { hide: true } }, async () => app.swagger());
  void app.register(async (docs) => {
    docs.decorate(CONTEXT_ROUTE_CONFIG, { scope: 'public', page: true } satisfies RouteDefaults);
    await docs.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true } });
  });
}
