// The federated server's refusals: wrong or missing token (401), a token for another task (403),
// and malformed updates — wrong size, NaN/Inf, oversize, not LFL1 — answered 4xx and never
// aggregated (a zero update sent afterwards leaves the model exactly as it was).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBundle, CODEC_CONTENT_TYPE } from '../src/federated/codec.js';
import { revokeToken, parseScope } from '../src/secure/index.js';
import { startServer, tokens } from './federated-helpers.js';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

test('fl:<task> scopes parse; tokens: missing/garbage/revoked → 401, another task → 403', async () => {
  assert.equal(parseScope('fl:digits'), 'fl:digits');
  assert.throws(() => parseScope('fl:'), /invalid scope/);
  assert.throws(() => parseScope('fl:Bad_Name'), /invalid scope/);
  const { store, good, other } = await tokens('digits');
  const { server, url } = await startServer('digits', store, { secure: false });
  try {
    const get = (h: Record<string, string>) => fetch(`${url}/fl/v1/task`, { headers: h });
    assert.equal((await get({})).status, 401);
    assert.equal((await get(auth('lep_000000000000_' + 'a'.repeat(43)))).status, 401);
    const forbidden = await get(auth(other));
    assert.equal(forbidden.status, 403);
    assert.equal(((await forbidden.json()) as { error: { code: string } }).error.code, 'LEPTON_ERR_FORBIDDEN');
    assert.equal((await get(auth(good))).status, 200);
    const id = good.split('_')[1]!;
    await revokeToken(store, id);
    assert.equal((await get(auth(good))).status, 401);
  } finally {
    await server.close();
  }
});

test('malformed updates are refused with 4xx and never aggregated', async () => {
  const { store, good } = await tokens('digits');
  const { server, url } = await startServer('digits', store, { secure: false, rounds: 1, clientsPerRound: 1, minClients: 1, test: undefined });
  const before = server.global.slice();
  const D = before.length;
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${url}/fl/v1${path}`, { method: 'POST', headers: { ...auth(good), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/join', { client: 'x' })).status, 200);
    assert.equal((await post('/join', { client: '../etc' })).status, 400);
    const done = server.run();
    let round = '';
    for (let i = 0; i < 100 && !round; i++) {
      const p = (await (await fetch(`${url}/fl/v1/poll?client=x&wait=3000&after=wait`, { headers: auth(good) })).json()) as { state: string; round?: string };
      if (p.state === 'round') round = p.round!;
      else await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(round, 'client x was selected');
    const send = (data: Float32Array | Uint32Array, meta: Record<string, unknown> = {}) =>
      fetch(`${url}/fl/v1/update`, {
        method: 'POST',
        headers: { ...auth(good), 'content-type': CODEC_CONTENT_TYPE },
        body: encodeBundle({ meta: { client: 'x', round, numExamples: 10, ...meta }, arrays: [{ name: 'delta', data }] }),
      });
    const code = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;
    const short = await send(new Float32Array(D - 1));
    assert.equal(short.status, 400);
    assert.equal(await code(short), 'LEPTON_ERR_SHAPE_MISMATCH');
    const nan = new Float32Array(D);
    nan[5] = NaN;
    const rn = await send(nan);
    assert.equal(rn.status, 400);
    assert.equal(await code(rn), 'LEPTON_ERR_INVALID_INPUT');
    const inf = new Float32Array(D);
    inf[D - 1] = -Infinity;
    assert.equal((await send(inf)).status, 400);
    assert.equal((await send(new Uint32Array(D))).status, 400, 'wrong dtype');
    assert.equal((await send(new Float32Array(D), { numExamples: -3 })).status, 400);
    assert.equal((await send(new Float32Array(D), { client: 'y' })).status, 403, 'not selected');
    assert.equal((await send(new Float32Array(D), { round: '9.9' })).status, 409, 'not the current round');
    const big = await send(new Float32Array(D + 20_000));
    assert.equal(big.status, 413);
    const junk = await fetch(`${url}/fl/v1/update`, { method: 'POST', headers: { ...auth(good), 'content-type': CODEC_CONTENT_TYPE }, body: 'not a bundle' });
    assert.equal(junk.status, 400);
    assert.equal((await send(new Float32Array(D))).status, 200);
    assert.equal((await send(new Float32Array(D))).status, 409, 'a second update for the round');
    const [rec] = await done;
    assert.equal(rec!.clients, 1);
    assert.deepEqual(server.global, before, 'only the zero update was aggregated');
  } finally {
    await server.close();
  }
});
