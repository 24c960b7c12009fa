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

async function setup(opts: { insecureLocal?: boolean } = {}) {
  const store = new MemoryTokenStore();
  const t = () => T0;
  const infer = await issueToken(store, { name: 'app', scopes: 'infer:mnist', now: T0 });
  const reader = await issueToken(store, { name: 'dash', scopes: 'read', now: T0 });
  const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1, clock: t });
  const anon = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, clock: t });
  const ac = new AccessControl({ store, limiter, anonymousLimiter: anon, clock: t, ...opts });
  return { ac, infer: `Bearer ${infer.token}`, reader: `Bearer ${reader.token}` };
}

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
