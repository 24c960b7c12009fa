// FlServer.waitForClients: a simulation waits for every client to be up before round 1, so round 1's
// time is a round's time. It resolves once n clients hold a poll open, and gives up after its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, data, startServer, tokens } from './federated-helpers.js';

test('waitForClients resolves when n clients poll, then run() selects them; with too few it returns the count at the limit', async () => {
  const { store, good } = await tokens('digits');
  const { server, url } = await startServer('digits', store, { rounds: 1, secure: false, minClients: 1, clientsPerRound: 2 });
  try {
    const { parts } = data(3);
    // nobody yet: the limit passes and the count is 0
    assert.equal(await server.waitForClients(1, 50), 0);
    const running = parts.slice(0, 2).map((p, i) => client(url, good, `c${i}`, p).run());
    assert.equal(await server.waitForClients(2, 10_000), 2);
    // two of three: waiting for three ends at the limit with two
    assert.equal(await server.waitForClients(3, 100), 2);
    const history = await server.run();
    await Promise.all(running);
    assert.equal(history.length, 1);
    assert.equal(history[0]!.clients, 2);
    assert.ok(typeof history[0]!.evalSeconds === 'number');
  } finally {
    await server.close();
  }
});

test('the server keeps idle client sockets for longer than a phase deadline (a client may train that long)', async () => {
  const { store } = await tokens('digits');
  for (const deadlineMs of [4000, 300_000]) {
    const { server } = await startServer('digits', store, { deadlineMs });
    try {
      assert.ok(server.app.server.keepAliveTimeout >= Math.max(72_000, deadlineMs + 30_000), `keepAliveTimeout ${server.app.server.keepAliveTimeout}`);
    } finally {
      await server.close();
    }
  }
});
