// `lep up` killed with SIGKILL while a real training job runs (a synchronous loop that cannot
// notice anything itself): the job's guard stops its process group at once, and the next `lep up`
// marks the job failed with 'platform restarted', its partial log kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupMembers } from '../src/jobs/index.js';
import { LEP } from './jobs-helpers.js';

/** Start `lep up --no-default` on a free port; resolves with its URL once it says ready. */
function up(home: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [LEP, 'up', '--no-default', '--port', '0'], { env: { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`lep up did not start: ${out}`)), 60_000);
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /ready: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`lep up exited ${code}: ${out}`)));
  });
}

test('SIGKILL of lep up stops the running job at once; the next start marks it failed', { timeout: 180_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-jobs-crash-'));
  const started: ChildProcess[] = [];
  t.after(() => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  });
  const first = await up(home);
  started.push(first.child);
  const token = readFileSync(join(home, 'token'), 'utf8').trim();
  const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const sub = await fetch(`${first.url}/api/v1/jobs`, { method: 'POST', headers: h, body: JSON.stringify({ kind: 'train', args: ['--dataset', 'mnist-small', '--epochs', '200', '--limit-train', '4000'] }) });
  assert.equal(sub.status, 201);
  const { id } = (await sub.json()) as { id: string };
  let pgid = 0;
  for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    const logs = (await (await fetch(`${first.url}/api/v1/jobs/${id}/logs`, { headers: h })).json()) as { lines: Array<{ line: string }> };
    const j = (await (await fetch(`${first.url}/api/v1/jobs/${id}`, { headers: h })).json()) as { pgid: number | null };
    if (j.pgid && logs.lines.some((l) => /^train epoch 1\/200/.test(l.line))) {
      pgid = j.pgid;
      break;
    }
  }
  assert.ok(pgid > 0, 'the job is training');
  assert.ok(groupMembers(pgid).length >= 2, 'guard and command');

  first.child.kill('SIGKILL');
  const until = Date.now() + 10_000;
  while (groupMembers(pgid).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(groupMembers(pgid), [], 'nothing of the job outlives the platform');

  const second = await up(home);
  started.push(second.child);
  const j = (await (await fetch(`${second.url}/api/v1/jobs/${id}`, { headers: h })).json()) as { state: string; reason: string };
  assert.equal(j.state, 'failed');
  assert.equal(j.reason, 'platform restarted');
  const logs = (await (await fetch(`${second.url}/api/v1/jobs/${id}/logs`, { headers: h })).json()) as { lines: Array<{ line: string }> };
  assert.ok(logs.lines.some((l) => /^train epoch 1\/200/.test(l.line)), 'the partial log is kept');
  second.child.kill('SIGTERM');
  await new Promise((r) => second.child.once('exit', r));
});
