// Jobs lifecycle with a stand-in `lep` (test/fixtures/fake-lep.mjs): cancel kills the whole
// process group — a command that ignores SIGTERM and a grandchild included — and ends cancelled;
// submissions past the limit wait and run in FIFO order; a restart marks the running job failed
// ('platform restarted', partial log kept) and starts the queued ones again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type Platform } from '../src/deploy/platform.js';
import { groupMembers } from '../src/jobs/index.js';
import { call, ended, fakeLauncher, startJobsPlatform, submit, waitJob } from './jobs-helpers.js';
import type { TestPlatform } from './platform-helpers.js';

/**
 * Whether `pid` is still a running process. A killed grandchild is reparented to PID 1 and stays a
 * zombie (state Z) until PID 1 reaps it; kill(pid, 0) still succeeds on a zombie, so it counts as dead.
 */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false; // gone between the two checks
  }
};

async function logText(p: TestPlatform | Platform & { home: string }, id: string): Promise<string> {
  const r = await call(p as TestPlatform, 'GET', `/jobs/${id}/logs`);
  return (r.json['lines'] as Array<{ line: string }>).map((l) => l.line).join('\n');
}

test('cancel: SIGTERM then SIGKILL to the whole group; the job ends cancelled and no process of it remains', async (t) => {
  const p = await startJobsPlatform(fakeLauncher, { killGraceMs: 500 });
  t.after(() => p.dispose());
  const j = await submit(p, 'train', ['--dataset', 'mnist-small', '--seed', '2']);
  let grandchild = 0;
  const until = Date.now() + 20_000;
  let pgid: number | null = null;
  while (Date.now() < until) {
    const m = /running with grandchild (\d+)/.exec(await logText(p, j.id));
    const cur = (await call(p, 'GET', `/jobs/${j.id}`)).json as { pgid: number | null };
    if (m && cur.pgid) {
      grandchild = Number(m[1]);
      pgid = cur.pgid;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(pgid && grandchild, 'the job started its grandchild');
  assert.ok(groupMembers(pgid).length >= 2, 'command and grandchild share the job’s process group');
  const r = await call(p, 'POST', `/jobs/${j.id}/cancel`);
  assert.equal(r.status, 200);
  assert.equal(r.json['state'], 'cancelled');
  assert.equal(r.json['exitCode'], 137, 'SIGTERM was ignored, so SIGKILL ended it');
  assert.equal(r.json['reason'], 'cancelled by request');
  assert.deepEqual(groupMembers(pgid), [], 'no process of the group remains');
  assert.equal(alive(grandchild), false);
  assert.match(await logText(p, j.id), /got SIGTERM, ignoring it[\s\S]*job cancelled \(exit code 137\)/);

  // a queued job is cancelled without ever running
  const a = await submit(p, 'train', ['--dataset', 'mnist-small', '--seed', '3', '--limit-train', '2000']);
  const b = await submit(p, 'train', ['--dataset', 'mnist-small', '--seed', '3']);
  const rb = await call(p, 'POST', `/jobs/${b.id}/cancel`);
  assert.equal(rb.json['state'], 'cancelled');
  assert.equal(rb.json['startedAt'], null);
  assert.equal((await call(p, 'DELETE', `/jobs/${a.id}`)).status, 409, 'a running job must be cancelled before it is removed');
  await call(p, 'POST', `/jobs/${a.id}/cancel`);
});

test('past --max-concurrent-jobs, submissions wait and run in FIFO order', async (t) => {
  const p = await startJobsPlatform(fakeLauncher, { maxConcurrent: 2 });
  t.after(() => p.dispose());
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await submit(p, 'train', ['--dataset', 'mnist-small', '--seed', '3', '--limit-train', '400'])).id);
  const states = ((await call(p, 'GET', '/jobs')).json['jobs'] as Array<{ id: string; state: string }>).map((j) => j.state);
  assert.deepEqual(states.slice(2), ['queued', 'queued', 'queued'], 'only two run at once');
  let maxRunning = 0;
  const until = Date.now() + 60_000;
  for (;;) {
    const jobs = (await call(p, 'GET', '/jobs')).json['jobs'] as Array<{ state: string }>;
    maxRunning = Math.max(maxRunning, jobs.filter((j) => j.state === 'running').length);
    if (jobs.every((j) => j.state === 'succeeded')) break;
    assert.ok(Date.now() < until, 'jobs finish');
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.equal(maxRunning, 2);
  const done = await Promise.all(ids.map((id) => waitJob(p, id, ended)));
  const starts = done.map((j) => Date.parse(j.startedAt!));
  assert.deepEqual([...starts].sort((x, y) => x - y), starts, 'started in submission order');
  // the third starts only when one of the first two has ended
  assert.ok(starts[2]! >= Math.min(Date.parse(done[0]!.endedAt!), Date.parse(done[1]!.endedAt!)));
});

test('restart of the platform: the running job is failed with "platform restarted" and keeps its log; queued jobs run', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-jobs-restart-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const opts = { home, port: 0, host: '127.0.0.1', security: false as const, jobs: { launcher: fakeLauncher, killGraceMs: 500 } };
  const first = await startPlatform(opts);
  let second: Platform | undefined;
  t.after(async () => {
    await first.close();
    await second?.close();
  });
  const p1 = { ...first, home } as unknown as TestPlatform;
  const long = await submit(p1, 'train', ['--dataset', 'mnist-small', '--seed', '3', '--limit-train', '60000']);
  const queued = await submit(p1, 'train', ['--dataset', 'mnist-small', '--seed', '3', '--limit-train', '100']);
  const until = Date.now() + 20_000;
  while (!/working/.test(await logText(p1, long.id))) {
    assert.ok(Date.now() < until, 'the long job starts');
    await new Promise((r) => setTimeout(r, 50));
  }
  const pgid = ((await call(p1, 'GET', `/jobs/${long.id}`)).json as { pgid: number }).pgid;
  await first.close();
  assert.deepEqual(groupMembers(pgid), [], 'stopping the platform stops its jobs');

  second = await startPlatform(opts);
  const p2 = { ...second, home } as unknown as TestPlatform;
  const failed = await waitJob(p2, long.id, ended);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.reason, 'platform restarted');
  assert.equal(failed.steps[0]!.state, 'failed');
  assert.match(await logText(p2, long.id), /working[\s\S]*platform restarted/, 'the partial log is kept');
  const ran = await waitJob(p2, queued.id, ended);
  assert.equal(ran.state, 'succeeded', 'the queued job ran after the restart');
});
