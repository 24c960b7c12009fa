// Small hardening regressions from issue 21: a request larger than the model server's whole queue is
// refused for good (413, no Retry-After) rather than told to retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postJson, sampleRows, startTestServer } from './fixtures/serve-helpers.js';

test('a request with more rows than the queue holds answers 413 with the limit, not 429 + Retry-After', async () => {
  const h = await startTestServer({ batching: { maxQueue: 8, maxBatch: 4, maxWaitMs: 1 } });
  try {
    const x = sampleRows(9, 5);
    const rows = Array.from({ length: 9 }, (_, i) => Array.from(x.subarray(i * 784, (i + 1) * 784)));
    const r = await postJson(h.url, { inputs: rows });
    const body = (await r.json()) as { error: { code: string; message: string } };
    assert.equal(r.status, 413, JSON.stringify(body));
    assert.equal(body.error.code, 'LEPTON_ERR_PAYLOAD_TOO_LARGE');
    assert.match(body.error.message, /9 rows.*at most 8/);
    assert.equal(r.headers.get('retry-after'), null, 'retrying can never help, so no Retry-After');
    // A request that fits the queue is still served.
    assert.equal((await postJson(h.url, { inputs: rows.slice(0, 8) })).status, 200);
  } finally {
    await h.close();
  }
});
