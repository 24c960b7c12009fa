// Fair rate limits, end to end through `lep up` and the `lep token` CLI: a limit belongs to a token.
// The admin token printed at first start is never limited (a load test of one's own deployment);
// `lep token create --rate-limit 20` gives 429s naming 20/s; `lep up --rate-limit 5` is the default
// only for tokens created without a limit of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { createPhoton } from '../src/photon/create.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { TINY_BODY } from './platform-helpers.js';

const LEP = new URL('../bin/lep.js', import.meta.url).pathname;

function env(home: string, url = ''): NodeJS.ProcessEnv {
  return { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'silent', LEPTON_MASTER_KEY: '', LEPTON_TOKEN: '', LEPTON_SERVER: url };
}

/** `lep up` on port 0; resolves once it printed its ready line, with the URL and the admin token. */
function up(home: string, args: string[]): Promise<{ child: ChildProcess; url: string; token: string }> {
  const child = spawn(process.execPath, [LEP, 'up', '--no-default', '--port', '0', ...args], { env: env(home), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lep up did not get ready: ${out}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const url = /ready: (http:\/\/\S+)/.exec(out)?.[1];
      const token = /admin token\s+(lep_[0-9a-f]{12}_[A-Za-z0-9_-]{43})/.exec(out)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({ child, url, token });
      }
    });
    child.on('exit', (code) => reject(new Error(`lep up exited ${code}: ${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Tally {
  byStatus: Map<number, number>;
  /** Each distinct 429 message with its Retry-After header. */
  refusals: Set<string>;
}

/** `total` predictions with `concurrency` in flight (bounded: one pool, one request per worker at a time). */
async function load(url: string, token: string, total: number, concurrency: number): Promise<Tally> {
  const t: Tally = { byStatus: new Map(), refusals: new Set() };
  const dispatcher = new Agent({ connections: concurrency });
  let next = 0;
  try {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const r = await request(`${url}/deployments/tiny/predict`, {
          method: 'POST', body: TINY_BODY, dispatcher, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        });
        const text = await r.body.text();
        t.byStatus.set(r.statusCode, (t.byStatus.get(r.statusCode) ?? 0) + 1);
        if (r.statusCode === 429) t.refusals.add(`${(JSON.parse(text) as { error: { message: string } }).error.message} | retry-after ${String(r.headers['retry-after'])}`);
      }
    }));
  } finally {
    await dispatcher.close();
  }
  return t;
}

test('rate limits belong to tokens: admin never limited, --rate-limit 20 named in the 429, lep up --rate-limit is the default for the rest', { timeout: 180_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-ratelimit-'));
  const { child, url, token: admin } = await up(home, ['--rate-limit', '5']);
  const lep = async (...args: string[]): Promise<string> => (await promisify(execFile)(process.execPath, [LEP, ...args], { env: env(home, url) })).stdout;
  try {
    const auth = { authorization: `Bearer ${admin}` };
    const { archive } = await createPhoton({ name: 'tiny', version: '1', model: mlpModel(mlpWeights([4, 8, 3], 101)), labels: ['a', 'b', 'c'] });
    const stored = await request(`${url}/api/v1/photons`, { method: 'POST', body: archive, headers: { ...auth, 'content-type': 'application/octet-stream' } });
    assert.equal(stored.statusCode, 201, await stored.body.text());
    await lep('deployment', 'create', '--name', 'tiny', '--photon', 'tiny', '--replicas', '1', '--wait');

    // the printed admin token: a few thousand requests, 64 at a time, none limited (the default is 5/s)
    const a = await load(url, admin, 3000, 64);
    t.diagnostic(`admin load run: ${JSON.stringify([...a.byStatus])}`);
    assert.equal(a.byStatus.get(429) ?? 0, 0, `admin token limited: ${[...a.refusals].join('; ')}`);
    assert.ok((a.byStatus.get(200) ?? 0) >= 2900, `the run was served: ${JSON.stringify([...a.byStatus])}`);

    // a token with its own limit: 429s name it, with Retry-After
    const ci = JSON.parse(await lep('token', 'create', '--name', 'ci', '--scope', 'infer:tiny', '--rate-limit', '20', '--json')) as { token: string; rateLimit: number; rateLimitSource: string };
    assert.deepEqual([ci.rateLimit, ci.rateLimitSource], [20, 'token']);
    const c = await load(url, ci.token, 300, 32);
    assert.ok((c.byStatus.get(429) ?? 0) >= 200, JSON.stringify([...c.byStatus]));
    assert.ok((c.byStatus.get(200) ?? 0) >= 40, 'the burst (2 s worth) is served');
    for (const m of c.refusals) assert.match(m, /^token 'ci' is limited to 20 requests\/s; retry after (\d+) s \| retry-after \1$/);

    // a token created without one gets lep up's --rate-limit 5
    const dflt = JSON.parse(await lep('token', 'create', '--name', 'dflt', '--scope', 'infer:tiny', '--json')) as { token: string; rateLimit: number; rateLimitSource: string };
    assert.deepEqual([dflt.rateLimit, dflt.rateLimitSource], [5, 'default']);
    const d = await load(url, dflt.token, 100, 16);
    assert.ok((d.byStatus.get(429) ?? 0) >= 80, JSON.stringify([...d.byStatus]));
    for (const m of d.refusals) assert.match(m, /^token 'dflt' is limited to 5 requests\/s; retry after \d+ s/);

    // an explicitly unlimited non-admin token, and bad limits refused before anything is created
    const free = JSON.parse(await lep('token', 'create', '--name', 'free', '--scope', 'infer:tiny', '--rate-limit', 'unlimited', '--json')) as { token: string; rateLimit: number | null };
    assert.equal(free.rateLimit, null);
    assert.equal((await load(url, free.token, 300, 32)).byStatus.get(429) ?? 0, 0);
    for (const bad of ['0', '-3', 'fast', '2000000']) {
      const e = await lep('token', 'create', '--name', 'bad', '--scope', 'read', '--rate-limit', bad).then(() => undefined, (err: { code: number; stderr: string }) => err);
      assert.equal(e?.code, 2, `--rate-limit ${bad}`);
      assert.match(e.stderr, /LEPTON_ERR_INVALID_ARGUMENT: .*rate/i);
    }
    const api = await request(`${url}/api/v1/tokens`, { method: 'POST', body: JSON.stringify({ name: 'x', scopes: 'read', rateLimit: 'many' }), headers: { ...auth, 'content-type': 'application/json' } });
    const err = (await api.body.json()) as { error: { code: string; details?: { field?: string } } };
    assert.equal(api.statusCode, 400);
    assert.deepEqual([err.error.code, err.error.details?.field], ['LEPTON_ERR_INVALID_ARGUMENT', 'rateLimit']);

    // lep token list shows each token's limit and where it comes from
    const list = await lep('token', 'list');
    const row = (name: string): string => list.split('\n').find((l) => l.split(/\s+/)[1] === name) ?? `(no ${name} in ${list})`;
    assert.match(row('admin'), /unlimited$/);
    assert.match(row('ci'), /20\/s$/);
    assert.match(row('dflt'), /5\/s \(default\)$/);
    assert.match(row('free'), /unlimited$/);
  } finally {
    await stop(child);
    rmSync(home, { recursive: true, force: true });
  }
});
