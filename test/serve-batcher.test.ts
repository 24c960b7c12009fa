// Batcher bounds: batch size, wait, queue full (429 + Retry-After), deadlines (504, not computed),
// adaptive wait from the latency model, error propagation; and the latency model's fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../src/core/errors.js';
import { Batcher, type BatcherOptions } from '../src/serve/batcher.js';
import { LatencyModel } from '../src/serve/latency-model.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

function recorder(delayMs = 0) {
  const batches: number[][] = [];
  const run = async (items: number[]): Promise<number[]> => {
    batches.push([...items]);
    if (delayMs > 0) await sleep(delayMs);
    return items.map((x) => x * 10);
  };
  return { batches, run };
}

const base: BatcherOptions = { maxBatch: 4, maxWaitMs: 5, maxQueue: 100, timeoutMs: 5000 };

test('items submitted together share one batch and each gets its own result', async () => {
  const r = recorder();
  const b = new Batcher(r.run, base);
  const out = await Promise.all([1, 2, 3].map((x) => b.submit(x)));
  assert.deepEqual(out, [10, 20, 30]);
  assert.deepEqual(r.batches, [[1, 2, 3]]);
});

test('a batch never exceeds maxBatch rows', async () => {
  const r = recorder(5);
  const b = new Batcher(r.run, { ...base, maxBatch: 4 });
  const out = await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(i)));
  assert.deepEqual(out, Array.from({ length: 10 }, (_, i) => i * 10));
  assert.ok(r.batches.every((x) => x.length <= 4), JSON.stringify(r.batches));
  assert.deepEqual(r.batches.flat(), Array.from({ length: 10 }, (_, i) => i));
});

test('rows are counted per item: a 3-row item and a 2-row item do not share a maxBatch 4 batch', async () => {
  const r = recorder();
  const b = new Batcher(r.run, { ...base, maxBatch: 4 }, (x) => x);
  await Promise.all([b.submit(3), b.submit(2)]);
  assert.deepEqual(r.batches, [[3], [2]]);
  // An item larger than maxBatch still runs (alone).
  await b.submit(9);
  assert.deepEqual(r.batches.at(-1), [9]);
});

test('a lone item waits about maxWaitMs for company, then runs', async () => {
  const r = recorder();
  const b = new Batcher(r.run, { ...base, maxWaitMs: 40 });
  const first = b.submit(1);
  await sleep(10);
  assert.equal(r.batches.length, 0, 'must still be waiting');
  const second = b.submit(2);
  assert.deepEqual(await Promise.all([first, second]), [10, 20]);
  assert.deepEqual(r.batches, [[1, 2]]);
});

test('a full batch runs at once without waiting for maxWaitMs', async () => {
  const r = recorder();
  const b = new Batcher(r.run, { ...base, maxBatch: 2, maxWaitMs: 10_000 });
  const out = await Promise.race([Promise.all([b.submit(1), b.submit(2)]), sleep(2000).then(() => 'timeout')]);
  assert.deepEqual(out, [10, 20]);
});

test('a full queue rejects with LEPTON_ERR_QUEUE_FULL (429) and a Retry-After', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const b = new Batcher<number, number>(async (items) => {
    await gate;
    return items;
  }, { ...base, maxBatch: 1, maxWaitMs: 0, maxQueue: 3 });
  const running = b.submit(0); // taken by the engine
  await sleep(5);
  const queued = [b.submit(1), b.submit(2), b.submit(3)];
  assert.equal(b.depth, 3);
  await assert.rejects(b.submit(4), (e: unknown) => code('LEPTON_ERR_QUEUE_FULL')(e) && (e as LeptonError).status === 429 && ((e as LeptonError).retryAfter ?? 0) >= 1);
  release();
  assert.deepEqual(await Promise.all([running, ...queued]), [0, 1, 2, 3]);
  // Space again after draining.
  assert.equal(await b.submit(5), 5);
});

test('an item past its deadline gets 504 and is never computed', async () => {
  const computed: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const b = new Batcher<number, number>(async (items) => {
    computed.push(...items);
    if (items[0] === 0) await gate;
    return items;
  }, { ...base, maxBatch: 1, maxWaitMs: 0, timeoutMs: 5000 });
  const blocker = b.submit(0);
  await sleep(5);
  const doomed = b.submit(1, 30);
  await assert.rejects(doomed, (e: unknown) => code('LEPTON_ERR_DEADLINE_EXCEEDED')(e) && (e as LeptonError).status === 504);
  assert.equal(b.depth, 0, 'expired item left the queue');
  release();
  await blocker;
  assert.equal(await b.submit(2), 2);
  assert.deepEqual(computed, [0, 2]);
});

test('an engine failure rejects every item of that batch, and the batcher keeps working', async () => {
  let fail = true;
  const b = new Batcher<number, number>(async (items) => {
    if (fail) throw new LeptonError('LEPTON_ERR_ENGINE', 'boom');
    return items;
  }, base);
  const results = await Promise.allSettled([b.submit(1), b.submit(2)]);
  assert.ok(results.every((r) => r.status === 'rejected' && code('LEPTON_ERR_ENGINE')(r.reason)));
  fail = false;
  assert.equal(await b.submit(3), 3);
});

test('close() refuses new work with LEPTON_ERR_NOT_READY but finishes queued work', async () => {
  const r = recorder(10);
  const b = new Batcher(r.run, { ...base, maxWaitMs: 20 });
  const queued = b.submit(7);
  b.close();
  await assert.rejects(b.submit(8), code('LEPTON_ERR_NOT_READY'));
  assert.equal(await queued, 70);
  await b.idle();
  assert.equal(b.depth, 0);
});

test('bad options are refused', () => {
  assert.throws(() => new Batcher(async (x: number[]) => x, { ...base, maxBatch: 0 }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  assert.throws(() => new Batcher(async (x: number[]) => x, { ...base, timeoutMs: 0 }), code('LEPTON_ERR_INVALID_ARGUMENT'));
});

test('latency model: least squares recovers a + b·batch', () => {
  const m = new LatencyModel(64);
  for (let i = 0; i < 40; i++) {
    const n = 1 + (i % 16);
    m.observe(n, 2 + 0.25 * n);
  }
  const f = m.fit();
  assert.ok(Math.abs(f.a - 2) < 1e-9 && Math.abs(f.b - 0.25) < 1e-9, JSON.stringify(f));
  // Only the window is kept: a new regime replaces the old one.
  for (let i = 0; i < 64; i++) m.observe(1 + (i % 8), 1 + 0.5 * (1 + (i % 8)));
  const g = m.fit();
  assert.ok(Math.abs(g.a - 1) < 1e-9 && Math.abs(g.b - 0.5) < 1e-9, JSON.stringify(g));
});

test('latency model: the chosen wait meets the target, shrinking to 0 when service alone uses it', () => {
  const m = new LatencyModel();
  assert.equal(m.chooseWait(50, 64, 25, 2), 2, 'falls back to the static wait before enough samples');
  for (let i = 0; i < 20; i++) m.observe(8, 1 + 0.25 * 8); // a=?, slope unknown (one size): service 3 ms
  const w = m.chooseWait(50, 64, 25, 2);
  // batch estimate 12 → service 3 ms (b taken as 0) → 50 − 6 = 44, capped at 25.
  assert.equal(w, 25);
  const slow = new LatencyModel();
  for (let i = 0; i < 20; i++) slow.observe(1 + (i % 4), 10 + 5 * (1 + (i % 4)));
  assert.equal(slow.chooseWait(30, 64, 25, 2), 0);
  const mid = new LatencyModel();
  for (let i = 0; i < 20; i++) mid.observe(4, 5);
  // mean batch 4 → estimate 6 rows; service 5 ms (slope 0) → 30 − 10 = 20.
  assert.equal(mid.chooseWait(30, 64, 25, 2), 20);
});

test('adaptive batcher: once the model is fitted, the wait follows the p99 target', async () => {
  const r = recorder(1);
  const b = new Batcher(r.run, { ...base, maxBatch: 8, maxWaitMs: 1, p99TargetMs: 40 });
  assert.equal(b.currentWaitMs(), 1, 'static wait until the model has samples');
  for (let i = 0; i < 10; i++) await Promise.all([b.submit(1), b.submit(2)]);
  const f = b.latency.fit();
  assert.ok(f.samples >= 10);
  const w = b.currentWaitMs();
  const expected = Math.max(0, Math.min(20, 40 - 2 * (f.a + f.b * Math.min(8, b.latency.meanBatch() * 1.5))));
  assert.ok(Math.abs(w - expected) < 1e-9, `${w} vs ${expected}`);
  assert.ok(w > 1, 'a fast engine earns a longer wait than the static 1 ms');
});

test('work that can no longer finish by its deadline is refused at once or dropped before its batch (issue 12)', async () => {
  const computed: number[] = [];
  const b = new Batcher<number, number>(async (items) => {
    computed.push(...items);
    await sleep(40);
    return items;
  }, { ...base, maxBatch: 1, maxWaitMs: 0, timeoutMs: 5000 });
  for (let i = 0; i < 8; i++) await b.submit(100 + i); // the latency model learns: one batch ≈ 40 ms
  computed.length = 0;
  const running = [b.submit(1), b.submit(2), b.submit(3)]; // ≈ 120 ms of work
  const t0 = performance.now();
  // Needs ≈ 160 ms (three batches ahead, then its own) with a 60 ms budget: refused now, not in 60 ms.
  await assert.rejects(b.submit(4, 60), (e: unknown) => code('LEPTON_ERR_DEADLINE_EXCEEDED')(e) && /queued ahead/.test((e as Error).message));
  assert.ok(performance.now() - t0 < 30, 'refused at once');
  // 1000 ms is plenty: admitted and computed.
  const fine = b.submit(5, 1000);
  assert.deepEqual(await Promise.all(running), [1, 2, 3]);
  assert.equal(await fine, 5);
  assert.deepEqual(computed, [1, 2, 3, 5], 'the refused item was never computed');
});

test('the sweeper follows the shortest deadline queued, so a short one fails on time', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const b = new Batcher<number, number>(async (items) => {
    await gate;
    return items;
  }, { ...base, maxBatch: 1, maxWaitMs: 0, timeoutMs: 30_000 }); // default deadline: the sweeper ticks every 100 ms
  const blocker = b.submit(0);
  const slowSweep = b.submit(1); // starts the sweeper at 100 ms
  const t0 = performance.now();
  await assert.rejects(b.submit(2, 20), code('LEPTON_ERR_DEADLINE_EXCEEDED'));
  const late = performance.now() - t0 - 20;
  assert.ok(late < 60, `expired ${Math.round(late)} ms late`);
  release();
  await Promise.all([blocker, slowSweep]);
});
