// What holds the jobs surface together: each kind takes exactly the flags of its `lep` command
// (plus its job-only ones), the optimizer and schedule names match the trainer's, and the served
// OpenAPI document lists exactly the operations the typed client calls, by method, path and id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { JOB_OPERATIONS } from '../src/client/jobs.js';
import { JOB_KINDS, OPTIMIZERS, SCHEDULES } from '../src/jobs/index.js';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../src/cli/train-job.js';
import { fakeLauncher, startJobsPlatform } from './jobs-helpers.js';

async function commandFlags(module: string, path: string[]): Promise<string[]> {
  const program = new Command();
  ((await import(module)) as { register: (p: Command) => void }).register(program);
  let c: Command = program;
  for (const name of path) c = c.commands.find((x) => x.name() === name)!;
  return c.options.map((o) => o.long!).sort();
}

test('each job kind takes the flags of its lep command', async () => {
  const cases: Array<[string, string, string[], string[]]> = [
    // kind, command module, command path, flags only the job has (or only the command has)
    ['train', '../src/cli/commands/train.js', ['train'], ['--photon']],
    ['compress', '../src/cli/commands/compress.js', ['compress'], ['--photon']],
    ['optimize', '../src/cli/commands/optimize.js', ['optimize'], []],
    ['pipeline', '../src/cli/commands/pipeline.js', ['pipeline', 'run'], ['--threads', '--detach', '--server']],
    ['fl-server', '../src/cli/commands/fl.js', ['fl', 'server'], []],
  ];
  for (const [kind, module, path, extra] of cases) {
    const command = (await commandFlags(module, path)).filter((f) => !extra.includes(f));
    const job = JOB_KINDS.get(kind)!.flags.map((f) => f.name).filter((f) => !extra.includes(f)).sort();
    assert.deepEqual(job, command, `${kind} job flags vs lep ${path.join(' ')}`);
  }
  assert.deepEqual([...OPTIMIZERS], [...OPTIMIZER_NAMES]);
  assert.deepEqual([...SCHEDULES], [...SCHEDULE_NAMES]);
});

test('the OpenAPI document lists exactly the jobs operations the client calls', async (t) => {
  const p = await startJobsPlatform(fakeLauncher);
  t.after(() => p.dispose());
  const doc = (await (await fetch(`${p.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string; tags?: string[]; security?: unknown }>> };
  const documented = new Map<string, string | undefined>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/jobs')) continue;
    for (const [m, op] of Object.entries(ops)) {
      documented.set(`${m.toUpperCase()} ${path}`, op.operationId);
      assert.deepEqual(op.security, [{ bearer: [] }], `${m} ${path} needs a token`);
    }
  }
  const table = new Map(Object.entries(JOB_OPERATIONS).map(([id, [m, path]]) => [`${m} ${path}`, id]));
  assert.deepEqual([...documented.keys()].sort(), [...table.keys()].sort());
  for (const [k, id] of table) assert.equal(documented.get(k), id, `operationId of ${k}`);
});
