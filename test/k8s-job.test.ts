/**
 * The training-job export: a 4-node Indexed Job plus headless Service, validated three ways
 * (schemas, our checks, golden file), and the environment it sets is the one `lep train --nnodes`
 * reads (RANK from the completion index, MASTER_ADDR = pod 0's DNS name, the secret from a Secret).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parallelFromFlags } from '../src/cli/train-parallel.js';
import { checkExport, exportTrainingJob, toYaml, type K8sObject } from '../src/k8s/index.js';
import { schemaProblems } from './k8s-helpers.js';

const JOB = { id: 'j7f3a', kind: 'train', name: 'mnist-cnn', args: ['--dataset', 'mnist', '--model', 'cnn', '--epochs', '3'], threads: 2 };
const OPTS = { image: 'registry.example.com/lepton/runtime:0.1.0', namespace: 'lepton', distSecret: 'lepton-dist-secret' };
type Env = Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string } } }>;

test('a 4-node training job: Indexed Job + headless Service, schemas, checks, golden file', () => {
  const r = exportTrainingJob(JOB, 4, OPTS);
  assert.deepEqual(r.objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Service/train-j7f3a', 'Job/train-j7f3a']);
  assert.deepEqual(schemaProblems(r.objects), []);
  assert.deepEqual(checkExport(r.objects, r.requiredSecrets), []);
  const job = r.objects[1] as K8sObject & { spec: Record<string, unknown> & { template: { spec: { subdomain: string; containers: Array<{ command: string[]; env: Env }> } } } };
  assert.equal(job.spec['completionMode'], 'Indexed');
  assert.equal(job.spec['completions'], 4);
  assert.equal(job.spec['parallelism'], 4);
  assert.equal(job.spec.template.spec.subdomain, 'train-j7f3a', 'pods get DNS names under the headless Service');
  const env = job.spec.template.spec.containers[0]!.env;
  const byName = new Map(env.map((e) => [e.name, e]));
  assert.equal(byName.get('RANK')!.valueFrom!.fieldRef!.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  assert.equal(byName.get('MASTER_ADDR')!.value, 'train-j7f3a-0.train-j7f3a.lepton.svc');
  assert.equal(byName.get('WORLD_SIZE')!.value, '4');
  assert.equal(byName.get('LEPTON_DIST_SECRET')!.valueFrom!.secretKeyRef!.name, 'lepton-dist-secret');
  assert.deepEqual(job.spec.template.spec.containers[0]!.command.slice(0, 2), ['lep', 'train']);
  const svc = r.objects[0]!['spec'] as Record<string, unknown>;
  assert.equal(svc['clusterIP'], 'None');
  const golden = join(import.meta.dirname, 'fixtures', 'k8s', 'train-4-nodes.yaml');
  if (process.env['LEPTON_UPDATE_GOLDEN'] === '1') writeFileSync(golden, toYaml(r.objects));
  assert.equal(toYaml(r.objects), readFileSync(golden, 'utf8'));
});

test('the environment is what lep train --nnodes reads: rank 2 of 4 finds rank 0', () => {
  const r = exportTrainingJob(JOB, 4, OPTS);
  const env = ((r.objects[1]!['spec'] as { template: { spec: { containers: Array<{ env: Env }> } } }).template.spec.containers[0]!.env);
  // what the kubelet does: the completion index into RANK, the Secret's value into LEPTON_DIST_SECRET
  const resolved = Object.fromEntries(env.map((e) => [e.name, e.value ?? (e.valueFrom?.fieldRef ? '2' : 'a'.repeat(64))]));
  const setup = parallelFromFlags({}, resolved, () => '');
  assert.deepEqual(setup?.parallel, { transport: 'tcp', worldSize: 4, rank: 2, masterAddr: 'train-j7f3a-0.train-j7f3a.lepton.svc', masterPort: 29500, secret: 'a'.repeat(64) });
});

test('refusals: a job that is not training, flags the export owns, too few nodes', () => {
  assert.throws(() => exportTrainingJob({ ...JOB, kind: 'compress' }, 4, OPTS), /only train jobs/);
  assert.throws(() => exportTrainingJob({ ...JOB, args: [...JOB.args, '--nnodes', '2'] }, 4, OPTS), /sets --nnodes/);
  assert.throws(() => exportTrainingJob({ ...JOB, args: [...JOB.args, '--out=x'] }, 4, OPTS), /sets --out/);
  assert.throws(() => exportTrainingJob(JOB, 1, OPTS), /from 2 to 256/);
});
