// End to end over loopback HTTP: secure FedAvg rounds with three clients learn, the masked sums
// unmask, a client killed mid-round is dropped and the round completes with the survivors, and a
// restarted server resumes from its checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, data, startServer, tokens } from './federated-helpers.js';

test('secure FedAvg over HTTP: accuracy rises above chance in 2 rounds', async () => {
  const { store, good } = await tokens('digits');
  const { server, url } = await startServer('digits', store);
  try {
    const { parts } = data(3);
    const running = parts.map((p, i) => client(url, good, `c${i}`, p).run());
    const history = await server.run();
    const results = await Promise.all(running);
    assert.equal(history.length, 2);
    assert.ok(history.every((h) => h.clients === 3 && h.dropped.length === 0));
    assert.ok(history[1]!.accuracy! > 0.5, `accuracy ${history[1]!.accuracy}`);
    assert.ok(results.every((r) => r.rounds === 2 && r.bytesSent > 2 * 4 * server.global.length));
  } finally {
    await server.close();
  }
});

test('a client killed mid-round (after sharing its keys, before its update) is dropped; survivors finish the round', async () => {
  const { store, good } = await tokens('digits');
  const { server, url } = await startServer('digits', store, { rounds: 1, deadlineMs: 2500, liveMs: 1000 });
  try {
    const { parts } = data(3);
    const killer = new AbortController();
    const victim = client(url, good, 'c2', parts[2]!, { signal: killer.signal, onPhase: (phase) => phase === 'train' && killer.abort() });
    const running = [client(url, good, 'c0', parts[0]!).run(), client(url, good, 'c1', parts[1]!).run(), victim.run().catch(() => undefined)];
    const [rec] = await server.run();
    await Promise.all(running);
    assert.deepEqual(rec!.dropped, ['c2']);
    assert.equal(rec!.clients, 2);
    assert.equal(rec!.attempts, 1, 'completed without a retry');
    // masks cancelled: a wrong unmask would leave ±2^32-scale garbage and ruin the model
    assert.ok(server.global.every((v) => Number.isFinite(v) && Math.abs(v) < 10));
    assert.ok(rec!.accuracy! > 0.3, `accuracy ${rec!.accuracy}`);
  } finally {
    await server.close();
  }
});

test('a client that dies after its masked update reached the server: t survivors unmask it, its update counts', async () => {
  const { store, good } = await tokens('digits');
  const { server, url } = await startServer('digits', store, { rounds: 1, deadlineMs: 2500 });
  try {
    const { parts } = data(3);
    const killer = new AbortController();
    const late = client(url, good, 'c2', parts[2]!, { signal: killer.signal, onPhase: (phase) => phase === 'unmask' && killer.abort() });
    const running = [client(url, good, 'c0', parts[0]!).run(), client(url, good, 'c1', parts[1]!).run(), late.run().catch(() => undefined)];
    const [rec] = await server.run();
    await Promise.all(running);
    assert.equal(rec!.clients, 3, 'its masked update is part of the sum');
    assert.deepEqual(rec!.dropped, []);
    assert.ok(server.global.every((v) => Number.isFinite(v) && Math.abs(v) < 10));
    assert.ok(rec!.accuracy! > 0.3, `accuracy ${rec!.accuracy}`);
  } finally {
    await server.close();
  }
});

test('restart: a new server on the same checkpoint folder resumes after the last completed round', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fl-ck-'));
  const { store, good } = await tokens('digits');
  const { parts } = data(2);
  try {
    const first = await startServer('digits', store, { rounds: 1, clientsPerRound: 2, checkpointDir: dir, secure: false });
    let saved: Float32Array;
    try {
      const running = parts.map((p, i) => client(first.url, good, `c${i}`, p).run());
      await first.server.run();
      await Promise.all(running);
      saved = first.server.global.slice();
    } finally {
      await first.server.close();
    }
    const second = await startServer('digits', store, { rounds: 2, clientsPerRound: 2, checkpointDir: dir, secure: false });
    try {
      assert.equal(second.server.round, 1);
      assert.deepEqual(second.server.global, saved);
      const running = parts.map((p, i) => client(second.url, good, `c${i}`, p).run());
      const history = await second.server.run();
      await Promise.all(running);
      assert.deepEqual(history.map((h) => h.round), [1, 2]);
    } finally {
      await second.server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a round with fewer than M updates is retried with a fresh selection', async () => {
  const { store, good } = await tokens('digits');
  const { server, url } = await startServer('digits', store, { rounds: 1, clientsPerRound: 2, minClients: 2, secure: false, deadlineMs: 1500, liveMs: 500 });
  try {
    const { parts } = data(3);
    let killed = '';
    const running = parts.map((p, i) => {
      const stop = new AbortController();
      // the first client to start training dies: its round is left with one update < M = 2
      const onPhase = () => {
        if (killed === '') {
          killed = `c${i}`;
          stop.abort();
        }
      };
      return client(url, good, `c${i}`, p, { signal: stop.signal, onPhase }).run().catch(() => undefined);
    });
    const [rec] = await server.run();
    await Promise.all(running);
    assert.equal(rec!.attempts, 2);
    assert.equal(rec!.clients, 2);
    assert.notEqual(killed, '');
    assert.deepEqual(rec!.dropped, [], 'the retry selects among live clients only, not the dead one');
  } finally {
    await server.close();
  }
});
