// Token bucket with an injected clock: burst, refill, Retry-After, per-key isolation, bounded memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/index.js';
import { TokenBucketLimiter } from './rate-limit.js';

function clock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

test('burst up to capacity, then refused with Retry-After', () => {
  const c = clock();
  const rl = new TokenBucketLimiter({ capacity: 3, refillPerSecond: 0.5, clock: c.now });
  assert.deepEqual([1, 2, 3].map(() => rl.take('a').allowed), [true, true, true]);
  const d = rl.take('a');
  assert.equal(d.allowed, false);
  assert.equal(d.retryAfterSeconds, 2); // one token at 0.5/s
  c.advance(1999);
  assert.equal(rl.take('a').allowed, false);
  c.advance(1);
  const ok = rl.take('a');
  assert.equal(ok.allowed, true);
  assert.equal(ok.retryAfterSeconds, 0);
});

test('refill is capped at capacity and keys are independent', () => {
  const c = clock();
  const rl = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 10, clock: c.now });
  rl.take('a'); rl.take('a');
  assert.equal(rl.take('a').allowed, false);
  assert.equal(rl.take('b').allowed, true, 'other key unaffected');
  c.advance(60_000);
  assert.deepEqual([rl.take('a').allowed, rl.take('a').allowed, rl.take('a').allowed], [true, true, false]);
});

test('sub-second refill rounds Retry-After up to at least 1', () => {
  const c = clock();
  const rl = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 100, clock: c.now });
  rl.take('k');
  const d = rl.take('k');
  assert.equal(d.allowed, false);
  assert.equal(d.retryAfterSeconds, 1);
  c.advance(10);
  assert.equal(rl.take('k').allowed, true);
});

test('weighted cost and argument checks', () => {
  const rl = new TokenBucketLimiter({ capacity: 10, refillPerSecond: 1, clock: () => 0 });
  assert.equal(rl.take('k', 7).remaining, 3);
  assert.equal(rl.take('k', 4).allowed, false);
  assert.throws(() => rl.take('k', 11), LeptonError);
  assert.throws(() => new TokenBucketLimiter({ capacity: 0, refillPerSecond: 1 }), LeptonError);
  assert.throws(() => new TokenBucketLimiter({ capacity: 1, refillPerSecond: 0 }), LeptonError);
});

test('memory is bounded: full buckets evicted first, then least recently used', () => {
  const c = clock();
  const rl = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 3, clock: c.now });
  rl.take('hot'); rl.take('hot'); // drained: carries debt
  for (let i = 0; i < 1000; i++) {
    rl.take(`k${i}`);
    assert.ok(rl.size <= 3);
  }
  // 'hot' was least recently used, so it went; a fresh bucket is full again
  assert.equal(rl.take('hot').remaining, 1);
  c.advance(10_000);
  const held = rl.size;
  assert.equal(rl.sweep(), held);
  assert.equal(rl.size, 0);
});

test('a new key evicts a full bucket before an older one that still holds debt', () => {
  const c = clock();
  const rl = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 2, clock: c.now });
  rl.take('debt'); rl.take('debt'); // 0 left
  rl.take('light'); // 1 left
  c.advance(1000); // light full again (2), debt at 1
  rl.take('new');
  assert.equal(rl.size, 2);
  assert.equal(rl.take('debt').remaining, 0, 'debt kept although least recently used');
});
