// Small hardening regressions from issue 21: a request larger than the model server's whole queue is
// refused for good (413, no Retry-After) rather than told to retry; the CLI exits quietly when the
// reader of its stdout/stderr goes away (`lep … | head -1`) instead of printing an EPIPE stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { postJson, sampleRows, startTestServer } from './fixtures/serve-helpers.js';

const LEP = new URL('../bin/lep.js', import.meta.url).pathname;

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

/** Run `lep args`, closing our end of `stream` at once (as `| head -0` would); resolve with exit code and the other stream's text. */
function runWithClosedPipe(args: string[], stream: 'stdout' | 'stderr'): Promise<{ code: number | null; signal: string | null; other: string }> {
  const child = spawn(process.execPath, [LEP, ...args], {
    env: { ...process.env, LEPTON_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child[stream].destroy();
  const otherStream = stream === 'stdout' ? child.stderr : child.stdout;
  let other = '';
  otherStream.on('data', (c: Buffer) => (other += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('lep did not exit'));
    }, 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, other });
    });
  });
}

// The reader is gone before the first write, as with `lep … | head -1` once head has its line; closing
// at once (rather than after a first chunk) makes the EPIPE certain instead of a race with the writes.
test('lep --help into a closed pipe exits 0 without an EPIPE stack', async () => {
  const r = await runWithClosedPipe(['--help'], 'stdout');
  assert.doesNotMatch(r.other, /EPIPE|Error|\n\s+at /, r.other);
  assert.equal(r.code, 0, r.other);
});

test('a usage error into a closed stderr keeps its exit code and does not crash', async () => {
  const r = await runWithClosedPipe(['no-such-command'], 'stderr');
  assert.equal(r.signal, null);
  assert.equal(r.code, 2, 'usage errors exit 2 whether or not stderr can be written');
});
