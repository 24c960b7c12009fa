// The tcp transport's admission rules: a wrong secret, world size or model signature is refused
// with a clear error; the secret itself never crosses the wire; a missing rank is named on timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { LeptonError } from '../core/errors.js';
import { type TcpGroupOptions, connectTcpGroup } from './tcp-group.js';
import { freePort } from './testing.js';

const SECRET = randomBytes(24).toString('hex');

function opts(rank: number, worldSize: number, masterPort: number, extra: Partial<TcpGroupOptions> = {}): TcpGroupOptions {
  return { rank, worldSize, masterAddr: '127.0.0.1', masterPort, secret: SECRET, signature: 'sig-a', timeoutMs: 3000, ...extra };
}

async function outcome(p: Promise<{ close(): Promise<void> }>): Promise<LeptonError | 'ok'> {
  try {
    await (await p).close();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof LeptonError, String(err));
    return err;
  }
}

test('a peer with the wrong secret is refused; rank 0 names the missing rank and the refusal when it gives up', async () => {
  const port = await freePort();
  const [master, peer] = await Promise.all([outcome(connectTcpGroup(opts(0, 2, port, { timeoutMs: 1500 }))), outcome(connectTcpGroup(opts(1, 2, port, { secret: 'another-secret-of-enough-length' })))]);
  assert.ok(peer !== 'ok' && peer.code === 'LEPTON_ERR_UNAUTHENTICATED', String(peer));
  assert.ok(master !== 'ok' && master.code === 'LEPTON_ERR_DEADLINE_EXCEEDED');
  assert.match(master.message, /rank\(s\) 1 never joined/);
  assert.match(master.message, /authentication/);
});

test('a peer with a different world size or model signature is refused with the reason', async () => {
  const port = await freePort();
  const [, bad, good] = await Promise.all([
    outcome(connectTcpGroup(opts(0, 2, port))),
    outcome(connectTcpGroup(opts(1, 3, port))),
    // The real rank 1 joins a moment later and the group forms.
    new Promise((r) => setTimeout(r, 300)).then(() => outcome(connectTcpGroup(opts(1, 2, port)))),
  ]);
  assert.ok(bad !== 'ok' && bad.code === 'LEPTON_ERR_CONFLICT');
  assert.match(bad.message, /world size 3 differs from rank 0's 2/);
  assert.equal(good, 'ok');

  const port2 = await freePort();
  const [, sig] = await Promise.all([outcome(connectTcpGroup(opts(0, 2, port2, { timeoutMs: 1000 }))), outcome(connectTcpGroup(opts(1, 2, port2, { signature: 'sig-b' })))]);
  assert.ok(sig !== 'ok' && sig.code === 'LEPTON_ERR_CONFLICT');
  assert.match(sig.message, /model signature sig-b differs from rank 0's sig-a/);
});

test('a short secret is rejected before anything connects', async () => {
  await assert.rejects(connectTcpGroup(opts(1, 2, 1, { secret: 'short' })), (e: LeptonError) => e.code === 'LEPTON_ERR_INVALID_ARGUMENT' && /at least 16 bytes/.test(e.message));
});

test('the secret never crosses the wire (traffic through a recording proxy)', async () => {
  const port = await freePort();
  const seen: Buffer[] = [];
  // Rank 1 reaches rank 0 through this proxy, which keeps a copy of every byte both ways.
  const proxy = createServer((inbound) => {
    const outbound = connect({ host: '127.0.0.1', port });
    for (const [a, b] of [[inbound, outbound], [outbound, inbound]] as const) {
      a.on('data', (d: Buffer) => (seen.push(Buffer.from(d)), b.write(d)));
      a.on('close', () => b.destroy());
      a.on('error', () => b.destroy());
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyPort = (proxy.address() as { port: number }).port;
  try {
    const [a, b] = await Promise.all([connectTcpGroup(opts(0, 2, port)), connectTcpGroup({ ...opts(1, 2, proxyPort) })]);
    const v = new Float32Array([1, 2, 3]);
    await Promise.all([a.allReduce(v), b.allReduce(Float32Array.of(1, 1, 1))]);
    await Promise.all([a.close(), b.close()]);
    const traffic = Buffer.concat(seen);
    assert.ok(traffic.length > 100, 'the proxy saw the handshake');
    assert.ok(traffic.includes(Buffer.from('challenge')), 'the proxy carried the control connection');
    assert.ok(!traffic.includes(Buffer.from(SECRET)), 'the secret appeared on the wire');
  } finally {
    proxy.close();
  }
});
