/**
 * The one conformance suite every Policy passes: spread, weights, skipping unhealthy / excluded /
 * capped replicas, and for load-aware and sticky policies, load avoidance, affinity stability when
 * members come and go, and bounded-load spill of a hot key. Simulated load, no HTTP, no timing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type PickRequest, type Policy, type Replica } from './types.js';

export interface ConformanceTraits {
  /** Routes away from replicas with more in-flight work. */
  loadAware: boolean;
  /** Same key → same replica (affinity). Keys are sent in `header`. */
  sticky?: { header: string };
}

export function makeReplicas(n: number, weights: number[] = []): Replica[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    origin: `http://127.0.0.1:${10000 + i}`,
    weight: weights[i] ?? 1,
    inFlight: 0,
    healthy: true,
    capacity: Infinity,
  }));
}

/** Send `count` requests keeping `window` outstanding (completed oldest first); return picks per id. */
function drive(
  policy: Policy,
  replicas: Replica[],
  count: number,
  window: number,
  requestFor: (i: number) => PickRequest = () => ({ headers: {} }),
): Map<string, number> {
  const counts = new Map<string, number>();
  const open: Replica[] = [];
  for (let i = 0; i < count; i++) {
    const r = policy.pick(requestFor(i), replicas);
    assert.ok(r, 'a healthy replica exists, so pick must return one');
    r.inFlight++;
    policy.onStart(r);
    open.push(r);
    counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
    if (open.length >= window) finish(policy, open.shift()!);
  }
  for (const r of open) finish(policy, r);
  return counts;
}

function finish(policy: Policy, r: Replica): void {
  r.inFlight--;
  policy.onDone(r, { ok: true, latencyMs: 1 });
}

function keyed(header: string | undefined, keyOf: (i: number) => string): (i: number) => PickRequest {
  return (i) => ({ headers: header ? { [header]: keyOf(i) } : {} });
}

/** Register the suite for one policy. `make` must return a fresh policy each call. */
export function policyConformance(name: string, make: () => Policy, traits: ConformanceTraits): void {
  const header = traits.sticky?.header;
  const manyKeys = keyed(header, (i) => `user-${i}`);

  describe(`policy conformance: ${name}`, () => {
    it('spreads requests evenly over equal replicas', () => {
      for (const window of [1, 8]) {
        const replicas = makeReplicas(3);
        const counts = drive(make(), replicas, 3000, window, manyKeys);
        for (const r of replicas) {
          const share = (counts.get(r.id) ?? 0) / 3000;
          assert.ok(share > 0.25 && share < 0.42, `${r.id} got ${share.toFixed(3)} (window ${window})`);
        }
      }
    });

    it('honours weights (2:1)', () => {
      const replicas = makeReplicas(2, [2, 1]);
      const counts = drive(make(), replicas, 3000, 4, manyKeys);
      const heavy = (counts.get('r0') ?? 0) / 3000;
      assert.ok(heavy > 0.56 && heavy < 0.78, `weight-2 replica got ${heavy.toFixed(3)}`);
    });

    it('never picks unhealthy, excluded or capped replicas', () => {
      const replicas = makeReplicas(4);
      replicas[1]!.healthy = false;
      replicas[2]!.capacity = 0;
      const policy = make();
      policy.onMembershipChange?.(replicas);
      const exclude = new Set(['r3']);
      for (let i = 0; i < 500; i++) {
        const r = policy.pick({ ...manyKeys(i), exclude }, replicas);
        assert.equal(r?.id, 'r0');
      }
      replicas[0]!.healthy = false;
      assert.equal(policy.pick({ ...manyKeys(1), exclude }, replicas), undefined);
      assert.equal(policy.pick(manyKeys(1), []), undefined);
    });

    it('resumes sending to a replica that becomes healthy again', () => {
      const replicas = makeReplicas(2);
      const policy = make();
      replicas[1]!.healthy = false;
      for (let i = 0; i < 50; i++) assert.equal(policy.pick(manyKeys(i), replicas)?.id, 'r0');
      replicas[1]!.healthy = true;
      const counts = drive(policy, replicas, 400, 2, manyKeys);
      assert.ok((counts.get('r1') ?? 0) > 100, `r1 got ${counts.get('r1') ?? 0} of 400 after recovering`);
    });

    if (traits.loadAware) {
      it('routes away from a replica with stuck in-flight work', () => {
        const replicas = makeReplicas(3);
        replicas[0]!.inFlight = 50; // a slow replica holding many requests
        const counts = drive(make(), replicas, 900, 4, manyKeys);
        const slow = (counts.get('r0') ?? 0) / 900;
        assert.ok(slow < 0.1, `stuck replica still got ${slow.toFixed(3)}`);
      });
    }

    if (traits.sticky) {
      const h = traits.sticky.header;
      const req = (k: string): PickRequest => ({ headers: { [h]: k } });
      const owners = (policy: Policy, replicas: Replica[], keys: string[]): Map<string, string> =>
        new Map(keys.map((k) => [k, policy.pick(req(k), replicas)!.id]));
      const keys = Array.from({ length: 2000 }, (_, i) => `session-${i}`);

      it('sends the same key to the same replica', () => {
        const replicas = makeReplicas(4);
        const policy = make();
        const first = owners(policy, replicas, keys);
        assert.deepEqual(owners(policy, replicas, keys), first);
        assert.equal(new Set(first.values()).size, 4, 'keys use every replica');
      });

      it('moves only the leaving replica\'s keys when one is removed', () => {
        const replicas = makeReplicas(4);
        const policy = make();
        const before = owners(policy, replicas, keys);
        const after = owners(policy, replicas.filter((r) => r.id !== 'r2'), keys);
        for (const k of keys) {
          if (before.get(k) !== 'r2') assert.equal(after.get(k), before.get(k), `${k} moved needlessly`);
          else assert.notEqual(after.get(k), 'r2');
        }
      });

      it('moves about 1/(n+1) of keys, all to the newcomer, when one is added', () => {
        const replicas = makeReplicas(4);
        const policy = make();
        const before = owners(policy, replicas, keys);
        const after = owners(policy, makeReplicas(5), keys);
        let moved = 0;
        for (const k of keys) {
          if (after.get(k) === before.get(k)) continue;
          moved++;
          assert.equal(after.get(k), 'r4', `${k} moved between old replicas`);
        }
        const frac = moved / keys.length;
        assert.ok(frac > 0.1 && frac < 0.32, `moved ${frac.toFixed(3)} of keys`);
      });

      it('keeps a key on its replica while another is briefly unhealthy', () => {
        const replicas = makeReplicas(3);
        const policy = make();
        const before = owners(policy, replicas, keys);
        replicas[1]!.healthy = false;
        const during = owners(policy, replicas, keys);
        replicas[1]!.healthy = true;
        const after = owners(policy, replicas, keys);
        assert.deepEqual(after, before);
        for (const k of keys) if (before.get(k) !== 'r1') assert.equal(during.get(k), before.get(k));
      });

      it('spills a hot key under load, within the bound', () => {
        const replicas = makeReplicas(4);
        const policy = make();
        const picked = new Set<string>();
        for (let i = 0; i < 40; i++) {
          const r = policy.pick(req('hot'), replicas)!;
          const load = replicas.reduce((s, x) => s + x.inFlight, 0);
          assert.ok(r.inFlight < Math.ceil((1.25 * (load + 1)) / 4), `${r.id} over the load bound`);
          r.inFlight++;
          picked.add(r.id);
        }
        assert.ok(picked.size >= 3, `hot key stayed on ${[...picked].join(',')}`);
        const maxLoad = Math.max(...replicas.map((r) => r.inFlight));
        assert.ok(maxLoad <= Math.ceil(1.25 * 40 / 4), `max in-flight ${maxLoad}`);
      });
    }
  });
}
