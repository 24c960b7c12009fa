// The API's JSON schemas against the hand-written checks they stand beside (spec.ts, the token and
// secret body checks): on thousands of seeded bodies, the schema never refuses what the checks
// accept, and the checks refuse beyond the schema only for rules a schema cannot state (a range
// between two fields, reserved names). Plus the messages the schema layer gives when it refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorObject } from 'ajv';
import { LeptonError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { secretValue, tokenRequest } from './api-security.js';
import { DEPLOYMENT_CREATE, DEPLOYMENT_PATCH, EVENTS_QUERY, SECRET_SET, TOKEN_CREATE } from './api-schemas.js';
import { describeError, schemaCompiler } from './openapi.js';
import { parseCreate, parsePatch, type DeploymentSpec } from './spec.js';

type Validate = ((data: unknown) => unknown) & { errors?: ErrorObject[] | null };
const compile = schemaCompiler();
const validator = (schema: Record<string, unknown>, httpPart = 'body'): Validate => compile({ schema, httpPart, method: 'POST', url: '/x' }) as Validate;

/** Per field: values the checks accept, then values they refuse (some only semantically). */
const POOLS: Record<string, [unknown[], unknown[]]> = {
  name: [['mnist', 'a', 'a1-b2', 'x'.repeat(63)], ['x'.repeat(64), 'A', 'a-', '-a', 'a_b', '', 5, null]],
  photon: [['tiny', 'tiny@1', 'torch_cnn@1.0', 'Tiny.v2'], ['@1', 'a@', 'a@B', 'a@1@2', '_a', '', 7, null]],
  replicas: [[0, 1, 64], [65, -1, 1.5, '3', null, true]],
  policy: [['round-robin', 'least-request', 'affinity'], ['random', 1, null]],
  affinity: [[{}, { header: 'x-id' }, { cookie: 'sid' }, { header: 'x-id', cookie: 'c' }], [{ header: 'bad header' }, { cookie: '' }, { other: 1 }, 'x', null, []]],
  autoscaling: [
    [{}, { minReplicas: 0 }, { maxReplicas: 64 }, { targetOngoing: 0.1 }, { downscaleDelayMs: 0 }, { minReplicas: 2, maxReplicas: 1 }],
    [{ maxReplicas: 0 }, { targetOngoing: 0.05 }, { targetOngoing: 10_001 }, { lookbackMs: 3_600_001 }, { upscaleDelayMs: 5.5 }, { x: 1 }, 'auto', null, []],
  ],
  public: [[true, false], ['true', 0, null]],
  secrets: [[[], ['API_KEY'], ['A', 'A'], ['NODE_OPTIONS'], ['PATH']], ['1BAD', 'API_KEY', Array.from({ length: 33 }, (_, i) => `S${i}`), [5], null].map((x) => (x === '1BAD' ? [x] : x))],
  unknown: [[], [1, 'x']],
};

function body(r: Rng, fields: string[], keep: Record<string, number>): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  for (const f of fields) {
    if (r.next() >= (keep[f] ?? 0.3)) continue;
    const [good, bad] = POOLS[f]!;
    const pool = good.length > 0 && r.next() < 0.85 ? good : bad;
    b[f] = pool[r.int(pool.length)];
  }
  return b;
}

function refusal(fn: () => unknown): LeptonError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof LeptonError)) throw e;
    assert.equal(e.code, 'LEPTON_ERR_INVALID_ARGUMENT', e.message);
    return e;
  }
}

/** The rules only the hand-written checks can state. */
const SEMANTIC = [/is below minReplicas/, /would override the replica's own environment/];

function agree(what: string, schema: Validate, check: () => unknown, b: unknown): 'both-ok' | 'both-refuse' | 'semantic' {
  const schemaOk = schema(b) === true;
  const e = refusal(check);
  const shown = JSON.stringify(b);
  assert.ok(!(e === undefined && !schemaOk), `${what}: the checks accept ${shown} but the schema refuses it: ${JSON.stringify(schema.errors)}`);
  if (e !== undefined && schemaOk) {
    assert.ok(SEMANTIC.some((re) => re.test(e.message)), `${what}: the schema accepts ${shown} but the checks refuse it: ${e.message}`);
    return 'semantic';
  }
  return e === undefined ? 'both-ok' : 'both-refuse';
}

test('POST /deployments: the schema and parseCreate agree on 4000 seeded bodies', () => {
  const r = new Rng(20260601);
  const create = validator(DEPLOYMENT_CREATE);
  const seen = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const b = body(r, Object.keys(POOLS), { name: 0.9, photon: 0.9, unknown: 0.05 });
    const k = agree('create', create, () => parseCreate(b), b);
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  for (const raw of [null, [], 'x', 5, true]) agree('create', create, () => parseCreate(raw), raw);
  // the corpus reaches every outcome, so the test can fail either way
  assert.ok((seen.get('both-ok') ?? 0) > 100 && (seen.get('both-refuse') ?? 0) > 100 && (seen.get('semantic') ?? 0) > 10, JSON.stringify([...seen]));
});

test('PATCH /deployments/{name}: the schema and parsePatch agree, autoscaling null included', () => {
  const r = new Rng(7);
  const patch = validator(DEPLOYMENT_PATCH);
  const current: DeploymentSpec = { name: 'm', photon: 'm@1', replicas: 2, policy: 'least-request', autoscaling: { minReplicas: 1, maxReplicas: 3, targetOngoing: 2, upscaleDelayMs: 0, downscaleDelayMs: 0, lookbackMs: 1000 } };
  const fields = Object.keys(POOLS).filter((f) => f !== 'name');
  let ok = 0;
  for (let i = 0; i < 3000; i++) {
    const b = body(r, fields, { unknown: 0.05 });
    if (agree('patch', patch, () => parsePatch(b, current), b) === 'both-ok') ok++;
  }
  assert.equal(agree('patch', patch, () => parsePatch({ autoscaling: null }, current), { autoscaling: null }), 'both-ok');
  assert.equal(agree('patch', patch, () => parsePatch({}, current), {}), 'both-refuse', 'nothing to update');
  assert.ok(ok > 100);
});

test('POST /tokens and PUT /secrets/{name}: the schema and the body checks agree', () => {
  const tokens = validator(TOKEN_CREATE);
  const names = ['ci', 'ci bot@x', 'x'.repeat(64), 'x'.repeat(65), ' lead', 'bad/name', 3];
  const scopes = ['read', 'read,infer:m', ['admin'], [], [1], 5, null];
  const rates = [undefined, 20, 0.5, 1_000_000, 1_000_001, 0, -1, null, '20', Number.MIN_VALUE];
  const expires = [undefined, '30d', 30, null];
  let n = 0;
  for (const name of names) for (const s of scopes) for (const rateLimit of rates) for (const e of expires) {
    const b: Record<string, unknown> = { name, scopes: s, ...(rateLimit === undefined ? {} : { rateLimit }), ...(e === undefined ? {} : { expires: e }) };
    agree('tokens', tokens, () => tokenRequest(b), b);
    n++;
  }
  for (const b of [{ scopes: 'read' }, { name: 'x' }, { name: 'x', scopes: 'read', extra: 1 }, null, []]) agree('tokens', tokens, () => tokenRequest(b), b);
  const secret = validator(SECRET_SET);
  for (const b of [{ value: 'v' }, { value: '' }, { value: 1 }, {}, { value: 'v', other: 1 }, null, 'v']) agree('secret', secret, () => secretValue(b), b);
  assert.ok(n > 1000);
});

test('what the schema layer says when it refuses: the field, in the words spec.ts uses', () => {
  const first = (v: Validate, data: unknown): ErrorObject => {
    assert.equal(v(data), false);
    return v.errors![0]!;
  };
  const create = validator(DEPLOYMENT_CREATE);
  const say = (data: unknown): [string, unknown] => {
    const e = describeError(first(create, data), 'body');
    return [e.message, e.details?.['field']];
  };
  assert.deepEqual(say({ name: 'a', photon: 'p', replicas: 65 }), ["'replicas' must be an integer from 0 to 64", 'replicas']);
  assert.deepEqual(say({ name: 'a' }), ["'photon' is required", 'photon']);
  assert.deepEqual(say({ name: 'a', photon: 'p', policy: 'x' }), ["'policy' must be one of round-robin, least-request, affinity", 'policy']);
  assert.deepEqual(say({ name: 'a', photon: 'p', autoscaling: { minReplicas: -1 } }), ["'autoscaling.minReplicas' must be an integer from 0 to 64", 'autoscaling.minReplicas']);
  assert.deepEqual(say({ name: 'a', photon: 'p', extra: 1 }), ['request body: unknown field \'extra\'; allowed: name, photon, replicas, policy, affinity, autoscaling, public, secrets', 'extra']);
  assert.deepEqual(say(null), ['request body must be a JSON object', 'body']);
  const query = validator(EVENTS_QUERY, 'querystring');
  const q = describeError(first(query, { limit: 'zero' }), 'querystring');
  assert.deepEqual([q.message, q.details?.['field']], ["query 'limit' must be an integer from 1 to 1000", 'limit']);
  assert.equal(query({ limit: '5', since: '0' }), true, 'query strings are coerced to their types');
  const tokens = validator(TOKEN_CREATE);
  assert.equal(describeError(first(tokens, { name: 'x', scopes: 'read', rateLimit: 0 }), 'body').message,
    "'rateLimit' must be a number above 0 and at most 1000000, or null");
});
