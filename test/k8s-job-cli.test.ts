/**
 * `lep job export ID --k8s --nnodes 4` against a live platform with the jobs service (a fake
 * launcher, so nothing trains): the job's own flags reach every rank's command, and the export
 * passes the schemas.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from '../src/k8s/index.js';
import { fakeLauncher, LEP, startJobsPlatform, submit } from './jobs-helpers.js';
import { schemaProblems } from './k8s-helpers.js';

test('lep job export --k8s --nnodes 4 writes a checked Indexed Job for a submitted train job', async (t) => {
  const p = await startJobsPlatform(fakeLauncher);
  const dir = mkdtempSync(join(tmpdir(), 'lep-k8s-job-'));
  t.after(async () => {
    await p.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const j = await submit(p, 'train', ['--dataset', 'mnist-small', '--seed', '2']);
  const env = { ...process.env, LEPTON_TOKEN: p.token, LEPTON_HOME: p.home, LEPTON_LOG_LEVEL: 'silent' };
  const r = await promisify(execFile)(process.execPath, [LEP, 'job', 'export', j.id, '--k8s', '--nnodes', '4', '--server', p.url, '--out', dir, '--namespace', 'ml'], { env });
  assert.match(r.stdout, /wrote .*\.yaml/);
  const file = r.stdout.match(/wrote (\S+\.yaml)/)![1]!;
  const objects = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as K8sObject);
  assert.deepEqual(objects.map((o) => o.kind), ['Service', 'Job']);
  assert.deepEqual(schemaProblems(objects), []);
  const command = (objects[1]!['spec'] as { template: { spec: { containers: Array<{ command: string[] }> } } }).template.spec.containers[0]!.command;
  assert.deepEqual(command, ['lep', 'train', '--dataset', 'mnist-small', '--seed', '2', '--out', '/var/lib/lepton/run']);
  assert.match(readFileSync(file.replace(/\.yaml$/, '.secrets.txt'), 'utf8'), /create secret generic lepton-dist-secret --from-literal=secret=…/);
});
