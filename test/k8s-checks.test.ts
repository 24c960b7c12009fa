/**
 * Our own export checks (src/k8s/checks.ts) catch what the upstream schemas let through: each case
 * breaks one rule in an otherwise clean export and expects exactly that problem. Also: the probe
 * paths are routes our model server really registers, and names convert to DNS-1123 in one place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkExport, exportDeployment, k8sName, type K8sObject } from '../src/k8s/index.js';
import { PROBE_PATHS } from '../src/k8s/pod.js';
import { CANARY_DEPLOYMENT, OPTIONS, schemaProblems } from './k8s-helpers.js';

type Any = Record<string, any>;

function broken(mutate: (objects: Any[]) => void): string[] {
  const r = exportDeployment(CANARY_DEPLOYMENT, OPTIONS);
  const objects = structuredClone(r.objects) as Any[];
  mutate(objects);
  return checkExport(objects as K8sObject[], r.requiredSecrets);
}
const dep = (o: Any[]): Any => o.find((x) => x['kind'] === 'Deployment')!;
const replica = (o: Any[]): Any => dep(o)['spec']['template']['spec']['containers'][0];

const CASES: Array<[string, (o: Any[]) => void, RegExp]> = [
  ['replicas next to an HPA', (o) => void (dep(o)['spec']['replicas'] = 3), /has replicas while an HPA scales it/],
  ['selector not matching the pods', (o) => void (dep(o)['spec']['selector']['matchLabels']['lepton.dev/revision'] = 'other'), /selector does not match its pod labels/],
  ['Service selecting nothing', (o) => void (o.find((x) => x['kind'] === 'Service')!['spec']['selector'] = { app: 'nope' }), /Service\/.*selector matches no pod/],
  ['probe on a path the server lacks', (o) => void (replica(o)['readinessProbe']['httpGet']['path'] = '/ready'), /readinessProbe path \/ready is not a health route/],
  ['probe on a port the container lacks', (o) => void (replica(o)['livenessProbe']['httpGet']['port'] = 9090), /livenessProbe port 9090 is not a container port/],
  ['request above limit', (o) => void (replica(o)['resources']['requests']['memory'] = '2Gi'), /memory request 2Gi exceeds limit/],
  ['unlisted Secret', (o) => void (replica(o)['env'].push({ name: 'X', valueFrom: { secretKeyRef: { name: 'stray', key: 'value' } } })), /references Secret stray key value, which the export does not list/],
  ['missing ConfigMap key', (o) => void (replica(o)['env'][1]['valueFrom']['configMapKeyRef']['key'] = 'nope.json'), /references ConfigMap .* key nope.json/],
  ['name that is not DNS-1123', (o) => void (o.find((x) => x['kind'] === 'PodDisruptionBudget')!['metadata']['name'] = 'Digits_1'), /PodDisruptionBudget\/Digits_1: name is not a valid/],
  ['bad label value', (o) => void (dep(o)['metadata']['labels']['lepton.dev/photon'] = 'a b'), /label value 'a b'/],
  ['writable root filesystem', (o) => void (replica(o)['securityContext']['readOnlyRootFilesystem'] = false), /read-only root filesystem/],
  ['route to a missing Service', (o) => void (o.find((x) => x['kind'] === 'HTTPRoute')!['spec']['rules'][0]['backendRefs'][1]['name'] = 'gone'), /backend gone is not a Service/],
  ['HPA on a missing Deployment', (o) => void (o.find((x) => x['kind'] === 'HorizontalPodAutoscaler')!['spec']['scaleTargetRef']['name'] = 'gone'), /scales Deployment gone/],
];

for (const [what, mutate, expected] of CASES) {
  test(`checks: ${what}`, () => {
    const problems = broken(mutate);
    assert.equal(problems.length >= 1, true, `no problem reported for: ${what}`);
    assert.ok(problems.some((p) => expected.test(p)), problems.join('\n'));
  });
}

test('the schemas alone accept what only our checks refuse (why both run)', () => {
  const r = exportDeployment(CANARY_DEPLOYMENT, OPTIONS);
  const objects = structuredClone(r.objects) as Any[];
  dep(objects)['spec']['replicas'] = 3;
  replica(objects)['readinessProbe']['httpGet']['path'] = '/ready';
  assert.deepEqual(schemaProblems(objects as K8sObject[]), []);
  assert.equal(checkExport(objects as K8sObject[], r.requiredSecrets).length, 2);
});

test('probe paths are routes the model server registers', () => {
  const source = readFileSync(join(import.meta.dirname, '..', 'src', 'serve', 'routes-oip.ts'), 'utf8');
  for (const path of Object.values(PROBE_PATHS)) assert.match(source, new RegExp(`app\\.get\\('${path.replace(/\//g, '\\/')}'`), path);
});

test('k8sName: DNS-1035, deterministic, distinct when cut', () => {
  assert.equal(k8sName(['torch_cnn', 'Model.V2', '1.0']), 'torch-cnn-model-v2-1-0');
  assert.equal(k8sName(['9lives']), 'l-9lives');
  const a = k8sName(['d', 'x'.repeat(80), '1']);
  const b = k8sName(['d', 'x'.repeat(80), '2']);
  assert.ok(a.length <= 63 && b.length <= 63 && a !== b, `${a} ${b}`);
  assert.match(a, /^[a-z]([a-z0-9-]*[a-z0-9])?$/);
  assert.equal(k8sName(['d', 'x'.repeat(80), '1']), a);
});
