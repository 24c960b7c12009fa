// Jobs API with a stand-in `lep` (test/fixtures/fake-lep.mjs): a follow stream carries every line
// to the end — the last one printed just before exit, without a newline — and then the terminal
// state; per-epoch metrics; a failing command ends failed with its exit code; bad arguments are a
// 400 at submit time and queue nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, fakeLauncher, followLogs, startJobsPlatform, submit, waitJob, ended } from './jobs-helpers.js';

test('a follow stream ends only after the last line and the terminal state; logs resume from any seq', async (t) => {
  const p = await startJobsPlatform(fakeLauncher);
  t.after(() => p.dispose());
  const j = await submit(p, 'train', ['--dataset', 'mnist-small', '--epochs', '3', '--seed', '1']);
  assert.equal(j.kind, 'train');
  assert.ok(['queued', 'running'].includes(j.state));
  const { lines, end, afterEnd } = await followLogs(p, j.id);
  assert.ok(end, 'the stream ends with an end event');
  assert.equal(afterEnd, '', 'nothing after the end event');
  assert.equal(end.state, 'succeeded');
  assert.equal(end.exitCode, 0);
  assert.deepEqual(lines.map((l) => l.seq), lines.map((_, i) => i + 1), 'every line, in order, no gaps');
  const stdout = lines.filter((l) => l.stream === 'stdout');
  assert.equal(stdout.length, 3 * 300 + 1);
  assert.equal(stdout.at(-1)!.line, 'LAST LINE before exit', 'the last line, printed just before exit, is there');
  assert.match(lines.at(-1)!.line, /^job succeeded \(exit code 0\)/);

  // resume: only what came after seq 100, as JSON and as a stream
  const r = await call(p, 'GET', `/jobs/${j.id}/logs?since=100&limit=5`);
  assert.deepEqual((r.json['lines'] as Array<{ seq: number }>).map((l) => l.seq), [101, 102, 103, 104, 105]);
  const resumed = await followLogs(p, j.id, lines.length - 2);
  assert.deepEqual(resumed.lines.map((l) => l.seq), [lines.length - 1, lines.length]);
  assert.equal(resumed.end?.state, 'succeeded');

  // stored as JSONL with seq and timestamp
  const stored = readFileSync(join(p.home, 'jobs', j.id, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seq: number; ts: string });
  assert.equal(stored.length, lines.length);
  assert.ok(stored.every((l) => !Number.isNaN(Date.parse(l.ts))));

  const m = await call(p, 'GET', `/jobs/${j.id}/metrics`);
  const epochs = m.json['epochs'] as Array<{ step: string; epoch: number; loss: number; accuracy: number; testAccuracy: number }>;
  assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3]);
  assert.ok(epochs.every((e) => e.step === 'train' && e.loss > 0 && e.accuracy > 0 && e.testAccuracy > 0));
  const art = await call(p, 'GET', `/jobs/${j.id}/artifacts`);
  assert.deepEqual((art.json['artifacts'] as Array<{ path: string }>).map((a) => a.path), ['metrics.json']);
});

test('a command that fails ends the job failed, with its exit code and its error line as the reason', async (t) => {
  const p = await startJobsPlatform(fakeLauncher);
  t.after(() => p.dispose());
  const j = await submit(p, 'train', ['--dataset', 'mnist-small', '--seed', '9']);
  const done = await waitJob(p, j.id, ended);
  assert.equal(done.state, 'failed');
  assert.equal(done.exitCode, 2);
  assert.match(done.reason ?? '', /exited with code 2.*failing on purpose/);
  assert.equal(done.steps[0]!.state, 'failed');
  const again = await call(p, 'POST', `/jobs/${j.id}/cancel`);
  assert.equal(again.status, 409, 'a terminal state is final');
  assert.equal((await call(p, 'DELETE', `/jobs/${j.id}`)).status, 200);
  assert.equal((await call(p, 'GET', `/jobs/${j.id}`)).status, 404);
});

test('bad arguments are a clear 400 at submit time, and nothing is queued', async (t) => {
  const p = await startJobsPlatform(fakeLauncher);
  t.after(() => p.dispose());
  const cases: Array<[unknown, RegExp]> = [
    [{ kind: 'nope', args: [] }, /unknown job kind "nope"; known: train, compress, optimize, pipeline, fl-server/],
    [{ kind: 'train', args: ['--epochs', '3'] }, /a train job needs --dataset/],
    [{ kind: 'train', args: ['--dataset', 'mnist', '--epochs', 'x'] }, /--epochs must be a positive integer, got "x"/],
    [{ kind: 'train', args: ['--dataset', 'imagenet'] }, /--dataset must be one of mnist, mnist-small, fashion-mnist/],
    [{ kind: 'train', args: ['--dataset', 'mnist', '--bogus', '1'] }, /unknown flag --bogus for a train job/],
    [{ kind: 'train', args: ['--dataset', 'mnist', '--out', '/tmp/x'] }, /--out is set by the job itself/],
    [{ kind: 'train', args: ['--dataset', 'mnist', '--photon', '../x'] }, /--photon must be a photon name/],
    [{ kind: 'compress', args: ['--model', '/nonexistent/model.onnx', '--method', 'int8-dynamic', '--dataset', 'mnist'] }, /does not exist on the platform host/],
    [{ kind: 'compress', args: ['--model', 'job:job-0000000000', '--method', 'int8-dynamic', '--dataset', 'mnist'] }, /no job 'job-0000000000'/],
    [{ kind: 'pipeline', args: ['--name', 'd', '--train', '--dataset mnist', '--min-accuracy', '0.9', '--canary', '10'] }, /--canary needs --deploy/],
    [{ kind: 'pipeline', args: ['--name', 'd', '--train', '--dataset mnist', '--min-accuracy', '0.9', '--deploy', 'd', '--canary', '100'] }, /--canary/],
    [{ kind: 'pipeline', args: ['--name', 'd', '--train', '--dataset mnist --lr -1', '--min-accuracy', '0.9'] }, /--lr must be a positive number/],
    [{ kind: 'train', args: ['--dataset', 'mnist'], resources: { threads: 100000 } }, /resources.threads must be an integer from 1/],
    [{ kind: 'train', args: 'not a list' }, /./],
    [{ kind: 'fl-server', args: ['--task', 'digits', '--issue-token', 'x'] }, /--issue-token is set by the job itself \(its token would be printed into the job's log/],
  ];
  for (const [body, message] of cases) {
    const r = await call(p, 'POST', '/jobs', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.json)}`);
    const e = r.json['error'] as { code: string; message: string };
    assert.match(e.code, /^LEPTON_ERR_INVALID_(ARGUMENT|INPUT)$/);
    assert.match(e.message, message);
  }
  assert.deepEqual((await call(p, 'GET', '/jobs')).json['jobs'], []);
});
