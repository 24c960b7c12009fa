// Least-request specifics beyond the shared suite: the latency charge, with costs computed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { LeastRequestPolicy } from './policy-least-request.js';
import { makeReplicas } from './policy-conformance.js';

function share(p: LeastRequestPolicy, rs: ReturnType<typeof makeReplicas>, id: string, n = 1000): number {
  let hits = 0;
  for (let i = 0; i < n; i++) if (p.pick({ headers: {} }, rs)!.id === id) hits++;
  return hits / n;
}

test('at equal depth, a replica that answers slower gets no new work', () => {
  let t = 0;
  const p = new LeastRequestPolicy(new Rng(1), () => t);
  const [fast, slow] = makeReplicas(2);
  p.onDone(fast!, { ok: true, latencyMs: 5 });
  p.onDone(slow!, { ok: true, latencyMs: 25 });
  assert.equal(share(p, [fast!, slow!], 'r0'), 1);
  // cost (inFlight+1)×latency: 5×(4+1)=25 ties 25×(0+1); at 5 in flight the slow one is cheaper.
  fast!.inFlight = 5;
  assert.equal(share(p, [fast!, slow!], 'r1'), 1);
});

test('the estimate follows a replica that slows down and recovers', () => {
  let t = 0;
  const p = new LeastRequestPolicy(new Rng(2), () => t);
  const [a, b] = makeReplicas(2);
  p.onDone(a!, { ok: true, latencyMs: 10 });
  p.onDone(b!, { ok: true, latencyMs: 10 });
  b!.inFlight = 1; // b costs 2×10 = 20 against a's 10
  assert.equal(share(p, [a!, b!], 'r0'), 1);
  t = 2500; // five time constants on: a's mean is now ≈ its new 40 ms (> 20)
  p.onDone(a!, { ok: true, latencyMs: 40 });
  p.onDone(b!, { ok: true, latencyMs: 10 });
  assert.equal(share(p, [a!, b!], 'r1'), 1);
  t = 5000; // fast again: ≈ 10.2 < 20
  p.onDone(a!, { ok: true, latencyMs: 10 });
  p.onDone(b!, { ok: true, latencyMs: 10 });
  assert.equal(share(p, [a!, b!], 'r0'), 1);
});

test('a replica shunned as slow drifts back toward its peer and is tried again', () => {
  let t = 0;
  const p = new LeastRequestPolicy(new Rng(4), () => t);
  const [fast, slow] = makeReplicas(2);
  p.onDone(fast!, { ok: true, latencyMs: 5 });
  p.onDone(slow!, { ok: true, latencyMs: 25 });
  fast!.inFlight = 1; // 2×5 = 10 < 25: the slow one is still avoided
  assert.equal(share(p, [fast!, slow!], 'r0'), 1);
  t = 30_000; // 30 s without a sample: the slow estimate is ≈ 5.05 < 10
  p.onDone(fast!, { ok: true, latencyMs: 5 });
  assert.equal(share(p, [fast!, slow!], 'r1'), 1);
});

test('failed attempts do not make a replica look fast; a new replica is charged its peer’s latency', () => {
  const p = new LeastRequestPolicy(new Rng(3), () => 0);
  const [a, b] = makeReplicas(2);
  p.onDone(a!, { ok: true, latencyMs: 20 });
  p.onDone(a!, { ok: false, latencyMs: 0.1 });
  // b has no sample: charged a's 20, so at equal depth it is a fair coin, not a magnet.
  const s = share(p, [a!, b!], 'r1', 4000);
  assert.ok(s > 0.45 && s < 0.55, `new replica share ${s}`);
});
