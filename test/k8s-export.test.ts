/**
 * The Kubernetes export, validated three ways: every object against its upstream schema
 * (kubernetes-models), our own checks (checks.ts), and golden files in test/fixtures/k8s/
 * (LEPTON_UPDATE_GOLDEN=1 rewrites them). The YAML is read back with a real YAML parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkExport, exportDeployment, INFLIGHT_METRIC, revisionsOf, toYaml, writeExport, type ExportResult, type K8sObject } from '../src/k8s/index.js';
import { CANARY_DEPLOYMENT, DEFAULT_DEPLOYMENT, MNIST_1, MNIST_2, OPTIONS, schemaProblems } from './k8s-helpers.js';

const GOLDEN = join(import.meta.dirname, 'fixtures', 'k8s');

function golden(file: string, text: string): void {
  const path = join(GOLDEN, file);
  if (process.env['LEPTON_UPDATE_GOLDEN'] === '1') writeFileSync(path, text);
  assert.ok(existsSync(path), `${file} is missing: run with LEPTON_UPDATE_GOLDEN=1 once and review it`);
  assert.equal(text, readFileSync(path, 'utf8'), `${file} differs from the golden file (LEPTON_UPDATE_GOLDEN=1 rewrites it)`);
}

const kinds = (r: ExportResult): string[] => r.objects.map((o) => `${o.kind}/${o.metadata.name}`);
const find = (r: ExportResult, kind: string, name?: string): K8sObject => r.objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))!;

test('default deployment: objects, schemas, our checks, golden file', () => {
  const r = exportDeployment(DEFAULT_DEPLOYMENT, OPTIONS);
  assert.deepEqual(kinds(r), [
    'ConfigMap/mnist-mnist-1-config', 'Deployment/mnist-mnist-1', 'Service/mnist-mnist-1', 'PodDisruptionBudget/mnist-mnist-1', 'HTTPRoute/mnist', 'NetworkPolicy/mnist',
  ]);
  assert.deepEqual(schemaProblems(r.objects), []);
  assert.deepEqual(checkExport(r.objects, r.requiredSecrets), []);
  const dep = find(r, 'Deployment') as { spec: { replicas?: number; template: { spec: { initContainers: unknown[] } } } } & K8sObject;
  assert.equal(dep.spec.replicas, 2, 'no HPA: the Deployment holds the count');
  assert.equal(dep.spec.template.spec.initContainers.length, 1, 'the photon comes through the init container');
  assert.deepEqual(r.requiredSecrets.map((s) => s.name), ['lepton-photon-fetch']);
  golden('default.yaml', toYaml(r.objects));
});

test('canary with an HPA: weights on the route, no replicas beside the HPA, secrets by name only', () => {
  const r = exportDeployment(CANARY_DEPLOYMENT, { ...OPTIONS, prometheusOperator: true });
  assert.deepEqual(schemaProblems(r.objects), []);
  assert.deepEqual(checkExport(r.objects, r.requiredSecrets), []);
  const route = find(r, 'HTTPRoute') as K8sObject & { spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> } };
  assert.deepEqual(route.spec.rules[0]!.backendRefs.map((b) => [b.name, b.weight]), [['digits-mnist-1', 90], ['digits-mnist-2', 10]]);
  const replicas = (name: string): unknown => (find(r, 'Deployment', name)['spec'] as Record<string, unknown>)['replicas'];
  assert.equal(replicas('digits-mnist-1'), undefined, 'the stable revision is scaled by its HPA');
  assert.equal(replicas('digits-mnist-2'), 1, "the canary keeps its own count, as under lep up");
  assert.deepEqual(r.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler').map((o) => o.metadata.name), ['digits-mnist-1']);
  const hpa = find(r, 'HorizontalPodAutoscaler', 'digits-mnist-1') as K8sObject & { spec: { minReplicas: number; metrics: Array<{ type: string; pods?: { metric: { name: string }; target: { averageValue: string } } }> } };
  assert.equal(hpa.spec.metrics[0]!.pods!.metric.name, INFLIGHT_METRIC);
  assert.equal(hpa.spec.metrics[0]!.pods!.target.averageValue, '2');
  assert.equal(hpa.spec.metrics[1]!.type, 'Resource', 'CPU is the fallback');
  assert.ok(find(r, 'ServiceMonitor'));
  assert.deepEqual(r.requiredSecrets.map((s) => `${s.name}/${s.key}`), ['lepton-secret-hf-token/value', 'lepton-photon-fetch/token']);
  const text = toYaml(r.objects);
  assert.doesNotMatch(text, /HF_TOKEN": *"[^"]*[a-z]{20}/, 'no secret value anywhere');
  golden('canary-hpa.yaml', text);
});

test('the YAML reads back as the same objects', () => {
  for (const input of [DEFAULT_DEPLOYMENT, CANARY_DEPLOYMENT]) {
    const r = exportDeployment(input, { ...OPTIONS, prometheusOperator: true });
    const docs = parseAllDocuments(toYaml(r.objects));
    assert.deepEqual(docs.map((d) => d.errors), docs.map(() => []));
    assert.deepEqual(docs.map((d) => d.toJS() as unknown), JSON.parse(JSON.stringify(r.objects)));
  }
});

test('--embed: no init container, no fetch token, the registry baked into the image', () => {
  const r = exportDeployment(DEFAULT_DEPLOYMENT, { ...OPTIONS, embed: true });
  assert.deepEqual(schemaProblems(r.objects), []);
  assert.deepEqual(checkExport(r.objects, r.requiredSecrets), []);
  const pod = ((find(r, 'Deployment')['spec'] as Record<string, Record<string, Record<string, unknown>>>)['template']!['spec']!);
  assert.equal(pod['initContainers'], undefined);
  assert.deepEqual(r.requiredSecrets, []);
  assert.match(String((find(r, 'ConfigMap')['data'] as Record<string, string>)['replica-config.json']), /"home":"\/opt\/lepton\/home"/);
});

test('writeExport writes the YAML and the secret list, never a value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-k8s-'));
  try {
    const files = writeExport([DEFAULT_DEPLOYMENT, CANARY_DEPLOYMENT], OPTIONS, dir);
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['mnist.yaml', 'mnist.secrets.txt', 'digits.yaml', 'digits.secrets.txt']);
    assert.match(readFileSync(join(dir, 'digits.secrets.txt'), 'utf8'), /create secret generic lepton-secret-hf-token --from-literal=value=…/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weights that do not sum to 100 are refused', () => {
  assert.throws(() => exportDeployment({ ...CANARY_DEPLOYMENT, revisions: CANARY_DEPLOYMENT.revisions.map((r) => ({ ...r, weight: 60 })) }, OPTIONS), /summing to 100/);
});

test('revisionsOf: a spec with a canary becomes two revisions, weights from the canary', () => {
  const input = revisionsOf(
    { name: 'digits', photon: 'mnist@1', replicas: 3, policy: 'round-robin', canary: { photon: 'mnist@2', weight: 15, replicas: 2 } },
    [MNIST_1, MNIST_2],
  );
  assert.deepEqual(input.revisions.map((r) => [r.role, `${r.photon.name}@${r.photon.version}`, r.weight, r.replicas]), [
    ['stable', 'mnist@1', 85, undefined],
    ['canary', 'mnist@2', 15, 2],
  ]);
  assert.throws(() => revisionsOf({ name: 'x', photon: 'mnist@7', replicas: 1, policy: 'round-robin' }, [MNIST_1]), /does not list/);
});

test('the ConfigMap holds a replica config the replica entry point accepts', async () => {
  const { parseReplicaConfig } = await import('../src/serve/replica-launcher.js');
  for (const embed of [false, true]) {
    const cm = exportDeployment(DEFAULT_DEPLOYMENT, { ...OPTIONS, embed }).objects.find((o) => o.kind === 'ConfigMap')!;
    const config = parseReplicaConfig((cm['data'] as Record<string, string>)['replica-config.json']!);
    assert.equal(config.ref, 'mnist@1');
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 8080);
  }
});
