// `lep job …` and `lep pipeline run` against a platform whose jobs run a stand-in `lep`
// (test/fixtures/fake-lep.mjs): run --follow prints the log to its last line and exits 0 only on
// success; a bad flag is exit code 2 with the server's message; list, status, logs --since, rm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fakeLauncher, LEP, startJobsPlatform } from './jobs-helpers.js';
import type { TestPlatform } from './platform-helpers.js';

/** Run the CLI without blocking this process's event loop (the platform under test lives in it). */
function lep(p: TestPlatform, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [LEP, ...args],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LEPTON_HOME: p.home, LEPTON_SERVER: p.url, LEPTON_TOKEN: p.token } },
      (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

test('lep job run --follow, list, status, logs --since, rm; bad flags exit 2', async (t) => {
  const p = await startJobsPlatform(fakeLauncher);
  t.after(() => p.dispose());
  const run = await lep(p, ['job', 'run', 'train', '--follow', '--', '--dataset', 'mnist-small', '--epochs', '2', '--seed', '1']);
  assert.equal(run.status, 0, run.stderr + run.stdout.slice(-500));
  const id = /submitted (job-[0-9a-f]+)/.exec(run.stderr)?.[1];
  assert.ok(id, run.stderr);
  assert.match(run.stdout, /LAST LINE before exit\n» step train: succeeded in [\d.]+ s\n» job succeeded \(exit code 0\): completed\n/);
  assert.match(run.stdout, /train epoch 2\/2: loss 0\.3333 acc 0\.5100 test_acc 0\.6100/);

  const list = await lep(p, ['job', 'list']);
  assert.match(list.stdout, new RegExp(`${id} +train +succeeded`));
  const status = await lep(p, ['job', 'status', id, '--json']);
  assert.equal((JSON.parse(status.stdout) as { state: string }).state, 'succeeded');
  const logs = await lep(p, ['job', 'logs', id, '--since', '600']);
  assert.doesNotMatch(logs.stdout, /epoch 1 line 0\n/, 'lines up to seq 600 are left out');
  assert.match(logs.stdout, /LAST LINE before exit/);

  const bad = await lep(p, ['job', 'run', 'train', '--', '--dataset', 'mnist-small', '--epochs', 'many']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--epochs must be a positive integer, got "many"/);

  const failing = await lep(p, ['job', 'run', 'train', '--follow', '--', '--dataset', 'mnist-small', '--seed', '9']);
  assert.equal(failing.status, 1, 'a failed job is a non-zero exit');
  assert.match(failing.stdout, /failing on purpose/);

  const gate = await lep(p, ['pipeline', 'run', '--name', 'digits', '--train', '--dataset mnist-small --seed 3 --limit-train 10', '--min-accuracy', '0.99']);
  assert.equal(gate.status, 1);
  assert.match(gate.stdout, /gate +failed .*gate: accuracy 0\.6100 is below the floor 0\.99/);
  assert.match(gate.stdout, /register +skipped/);

  assert.equal((await lep(p, ['job', 'rm', id])).status, 0);
  assert.equal((await lep(p, ['job', 'status', id])).status, 2, 'removed: 404 is a caller mistake');
});
