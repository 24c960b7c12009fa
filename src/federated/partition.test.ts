// Partitions: disjoint, seeded, and shaped as specified (iid balanced, Dirichlet skewed with a
// minimum size, shards holding at most s labels each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { dirichlet, parsePartition, partition } from './partition.js';

const labels = (n: number, k = 10): Int32Array => Int32Array.from({ length: n }, (_, i) => i % k);

function disjoint(parts: Int32Array[]): number {
  const seen = new Set<number>();
  for (const p of parts) for (const i of p) {
    assert.ok(!seen.has(i), `index ${i} given twice`);
    seen.add(i);
  }
  return seen.size;
}

const classesOf = (y: Int32Array, p: Int32Array): Set<number> => new Set([...p].map((i) => y[i]!));

test('parsePartition', () => {
  assert.deepEqual(parsePartition('iid'), { kind: 'iid' });
  assert.deepEqual(parsePartition('dirichlet:0.5'), { kind: 'dirichlet', alpha: 0.5 });
  assert.deepEqual(parsePartition('shards:2'), { kind: 'shards', perClient: 2 });
  for (const bad of ['', 'iid:1', 'dirichlet:0', 'dirichlet:x', 'shards:1.5', 'pathological']) assert.throws(() => parsePartition(bad), /invalid partition/);
});

test('iid: every sample once, sizes within one, seeded', () => {
  const y = labels(1003);
  const parts = partition(y, 10, 10, { kind: 'iid' }, 7);
  assert.equal(disjoint(parts), 1003);
  const sizes = parts.map((p) => p.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  assert.deepEqual(partition(y, 10, 10, { kind: 'iid' }, 7), parts);
  assert.notDeepEqual(partition(y, 10, 10, { kind: 'iid' }, 8), parts);
});

test('dirichlet: small α skews the label mix, min size holds, seeded', () => {
  const y = labels(5000);
  const skewed = partition(y, 10, 20, { kind: 'dirichlet', alpha: 0.1, minSize: 20 }, 3);
  assert.equal(disjoint(skewed), 5000);
  assert.ok(skewed.every((p) => p.length >= 20));
  assert.deepEqual(partition(y, 10, 20, { kind: 'dirichlet', alpha: 0.1, minSize: 20 }, 3), skewed);
  const flat = partition(y, 10, 20, { kind: 'dirichlet', alpha: 100 }, 3);
  // share of each client's most common label: near 1/10 for α=100, far above for α=0.1
  const topShare = (ps: Int32Array[]): number =>
    ps.reduce((s, p) => {
      const c = new Array<number>(10).fill(0);
      for (const i of p) c[y[i]!]!++;
      return s + Math.max(...c) / p.length;
    }, 0) / ps.length;
  assert.ok(topShare(skewed) > 0.5, `α=0.1 top share ${topShare(skewed)}`);
  assert.ok(topShare(flat) < 0.2, `α=100 top share ${topShare(flat)}`);
});

test('dirichlet: an impossible minimum size is refused, not looped forever', () => {
  assert.throws(() => partition(labels(100), 10, 10, { kind: 'dirichlet', alpha: 0.5, minSize: 11 }), /could not give/);
});

test('dirichlet draws sum to one', () => {
  const rng = new Rng(1);
  for (const a of [0.05, 0.5, 5]) {
    const p = dirichlet(rng, a, 8);
    assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) < 1e-9);
  }
});

test('shards: 100 clients × 2 shards of sorted labels → at most 2 labels per client', () => {
  const y = labels(6000);
  const parts = partition(y, 10, 100, { kind: 'shards', perClient: 2 }, 5);
  assert.equal(disjoint(parts), 6000);
  assert.ok(parts.every((p) => p.length === 60));
  assert.ok(parts.every((p) => classesOf(y, p).size <= 2));
  assert.ok(parts.filter((p) => classesOf(y, p).size === 2).length > 50, 'most clients get two different labels');
  assert.deepEqual(partition(y, 10, 100, { kind: 'shards', perClient: 2 }, 5), parts);
});
