// AccessControl: 401 → 403 → 429 order, private by default, public opt-out, --insecure-local on loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/index.js';
import { AccessControl, LOCAL_PRINCIPAL } from './access.js';
import { MemoryTokenStore } from './token-store.js';
import { issueToken } from './tokens.js';
import { TokenBucketLimiter } from './rate-limit.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;
const T0 = 1_700_000_000_000;

async function setup(opts: { insecureLocal?: boolean; defaultRate?: { capacity: number; refillPerSecond: number } | null } = {}) {
  const store = new MemoryTokenStore();
  const t = () => T0;
  const infer = await issueToken(store, { name: 'app', scopes: 'infer:mnist', now: T0 });
  const reader = await issueToken(store, { name: 'dash', scopes: 'read', now: T0 });
  const admin = await issueToken(store, { name: 'root', scopes: 'admin', now: T0 });
  const ci = await issueToken(store, { name: 'ci', scopes: 'infer:mnist', rateLimit: 3, now: T0 });
  const free = await issueToken(store, { name: 'free', scopes: 'infer:mnist', rateLimit: null, now: T0 });
  const slowAdmin = await issueToken(store, { name: 'slow-admin', scopes: 'admin', rateLimit: 1, now: T0 });
  const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, clock: t });
  const anon = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, clock: t });
  const tokenLimits = { limiter, default: opts.defaultRate === undefined ? { capacity: 2, refillPerSecond: 1 } : opts.defaultRate };
  const ac = new AccessControl({ store, tokenLimits, anonymousLimiter: anon, clock: t, ...(opts.insecureLocal ? { insecureLocal: true } : {}) });
  const bearer = (x: { token: string }) => `Bearer ${x.token}`;
  return { ac, infer: bearer(infer), reader: bearer(reader), admin: bearer(admin), ci: bearer(ci), free: bearer(free), slowAdmin: bearer(slowAdmin) };
}

/** How many of `n` checks at one instant pass before the first 429, and that 429. */
async function burst(ac: AccessControl, authorization: string, n: number): Promise<{ passed: number; refusal: LeptonError | undefined }> {
  let passed = 0;
  for (let i = 0; i < n; i++) {
    try {
      await ac.check({ authorization }, 'infer:mnist');
      passed++;
    } catch (e) {
      return { passed, refusal: e as LeptonError };
    }
  }
  return { passed, refusal: undefined };
}

test('each token is held to its own limit; admin tokens without one are never limited', async () => {
  const { ac, admin, ci, free, infer, slowAdmin } = await setup();
  const a = await burst(ac, admin, 5000);
  assert.deepEqual(a, { passed: 5000, refusal: undefined }, 'admin: no limit of its own, so none');
  assert.deepEqual((await burst(ac, free, 5000)).passed, 5000, 'rateLimit null: unlimited');
  const c = await burst(ac, ci, 100);
  assert.equal(c.passed, 6, 'own limit 3/s: a burst of 2 s worth');
  assert.equal(c.refusal?.code, 'LEPTON_ERR_RATE_LIMITED');
  assert.equal(c.refusal?.message, "token 'ci' is limited to 3 requests/s; retry after 1 s");
  assert.deepEqual(c.refusal?.details, { limit: 3, burst: 6 });
  const d = await burst(ac, infer, 100);
  assert.equal(d.passed, 2, 'no limit of its own: the default bucket');
  assert.match(d.refusal!.message, /^token 'app' is limited to 1 requests\/s; retry after 1 s$/);
  assert.equal((await burst(ac, slowAdmin, 100)).passed, 2, 'an admin token given a limit keeps it');
});

test('with no default, tokens without a limit of their own are unlimited, and the others still limited', async () => {
  const { ac, ci, infer } = await setup({ defaultRate: null });
  assert.equal((await burst(ac, infer, 3000)).passed, 3000);
  assert.equal((await burst(ac, ci, 100)).passed, 6);
});

test('private deployment: needs an infer token for that deployment', async () => {
  const { ac, infer, reader } = await setup();
  const p = await ac.check({ authorization: infer, remoteAddress: '10.0.0.5' }, 'infer:mnist');
  assert.equal(p?.name, 'app');
  await assert.rejects(ac.check({ remoteAddress: '10.0.0.5' }, 'infer:mnist'), code('LEPTON_ERR_UNAUTHENTICATED'));
  await assert.rejects(ac.check({ authorization: reader, remoteAddress: '10.0.0.5' }, 'infer:mnist'), code('LEPTON_ERR_FORBIDDEN'));
  await assert.rejects(ac.check({ authorization: infer, remoteAddress: '10.0.0.5' }, 'infer:other'), code('LEPTON_ERR_FORBIDDEN'));
  await assert.rejects(ac.check({ authorization: infer }, 'read'), code('LEPTON_ERR_FORBIDDEN'));
});

test('per-token rate limit gives 429 with retryAfter, other tokens unaffected', async () => {
  const { ac, infer, reader } = await setup();
  await ac.check({ authorization: infer }, 'infer:mnist');
  await ac.check({ authorization: infer }, 'infer:mnist');
  await assert.rejects(ac.check({ authorization: infer }, 'infer:mnist'), (e: unknown) => code('LEPTON_ERR_RATE_LIMITED')(e) && (e as LeptonError).retryAfter === 1);
  assert.ok(await ac.check({ authorization: reader }, 'read'));
});

test('public deployments: anonymous allowed (rate-limited by peer), a bad token still refused', async () => {
  const { ac, infer } = await setup();
  assert.equal(await ac.check({ remoteAddress: '10.0.0.9' }, 'public'), undefined);
  await assert.rejects(ac.check({ remoteAddress: '10.0.0.9' }, 'public'), code('LEPTON_ERR_RATE_LIMITED'));
  assert.equal(await ac.check({ remoteAddress: '10.0.0.10' }, 'public'), undefined);
  assert.equal((await ac.check({ authorization: infer }, 'public'))?.name, 'app');
  await assert.rejects(ac.check({ authorization: 'Bearer nope' }, 'public'), code('LEPTON_ERR_UNAUTHENTICATED'));
});

test('--insecure-local: only loopback peers without a token, and only when enabled', async () => {
  const off = await setup();
  await assert.rejects(off.ac.check({ remoteAddress: '127.0.0.1' }, 'admin'), code('LEPTON_ERR_UNAUTHENTICATED'));
  const on = await setup({ insecureLocal: true });
  assert.deepEqual(await on.ac.check({ remoteAddress: '127.0.0.1' }, 'admin'), { ...LOCAL_PRINCIPAL });
  assert.ok(await on.ac.check({ remoteAddress: '::1' }, 'deploy'));
  await assert.rejects(on.ac.check({ remoteAddress: '192.168.1.2' }, 'read'), code('LEPTON_ERR_UNAUTHENTICATED'));
  await assert.rejects(on.ac.check({}, 'read'), code('LEPTON_ERR_UNAUTHENTICATED'));
  // a presented token is still verified and scoped, even from loopback
  await assert.rejects(on.ac.check({ authorization: on.reader, remoteAddress: '127.0.0.1' }, 'deploy'), code('LEPTON_ERR_FORBIDDEN'));
});
