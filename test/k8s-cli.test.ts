/**
 * The Kubernetes export end to end against a live control plane: `lep deployment export --k8s`
 * and `lep up --export-k8s` write checked YAML; the init container's fetch gets the photon archive
 * with a read-scoped token, refuses a wrong sha256 and an under-scoped token, and the fetched
 * photon lands in the pod's own registry with the pinned content.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { fetchPhoton } from '../src/k8s/fetch-photon.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import type { K8sObject } from '../src/k8s/index.js';
import { addTinyPhoton, api, startTestPlatform } from './platform-helpers.js';
import { schemaProblems } from './k8s-helpers.js';

const LEP = new URL('../bin/lep.js', import.meta.url).pathname;
const run = promisify(execFile);

test('export through the CLI and the photon fetch of the init container', async (t) => {
  const p = await startTestPlatform();
  const dir = mkdtempSync(join(tmpdir(), 'lep-k8s-cli-'));
  t.after(async () => {
    await p.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  await addTinyPhoton(p, '1');
  const created = await api(p, 'POST', '/deployments', { name: 'tiny-dep', photon: 'tiny@1', replicas: 0, secrets: [] });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const photon = (await api(p, 'GET', '/photons')).json['photons'] as Array<{ name: string; version: string; sha256: string }>;
  const sha = photon.find((x) => x.name === 'tiny')!.sha256;

  const env = { ...process.env, LEPTON_TOKEN: p.token, LEPTON_HOME: p.home, LEPTON_LOG_LEVEL: 'silent' };
  const r = await run(process.execPath, [LEP, 'deployment', 'export', 'tiny-dep', '--k8s', '--server', p.url, '--out', dir, '--namespace', 'ml', '--image', 'reg.example/lepton:1'], { env });
  assert.match(r.stdout, /wrote .*tiny-dep\.yaml/);
  const objects = parseAllDocuments(readFileSync(join(dir, 'tiny-dep.yaml'), 'utf8')).map((d) => d.toJS() as K8sObject);
  assert.deepEqual(objects.map((o) => o.kind), ['ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget', 'HTTPRoute', 'NetworkPolicy']);
  assert.deepEqual(schemaProblems(objects), []);
  assert.ok(objects.every((o) => o.metadata.namespace === 'ml'));
  const text = readFileSync(join(dir, 'tiny-dep.yaml'), 'utf8');
  assert.match(text, new RegExp(`LEPTON_PHOTON_SHA256"\\n\\s+value: "${sha}"`), 'the init container pins the photon sha256');
  assert.match(text, /value: "tiny@1"/);

  // the init container's side: a read-scoped token fetches, the pin is checked
  const tok = await api(p, 'POST', '/tokens', { name: 'k8s-fetch', scopes: ['read'] });
  assert.equal(tok.status, 201, JSON.stringify(tok.json));
  const readToken = String(tok.json['token']);
  const podHome = join(dir, 'pod-home');
  const got = await fetchPhoton({ controlPlane: p.url, ref: 'tiny@1', sha256: sha, token: readToken, home: podHome });
  assert.equal(got.sha256, sha);
  const pod = new PhotonRegistry({ home: podHome });
  assert.equal(pod.resolve('tiny@1').sha256, sha);
  assert.equal((await pod.load('tiny@1')).manifest.name, 'tiny');

  await assert.rejects(fetchPhoton({ controlPlane: p.url, ref: 'tiny@1', sha256: 'f'.repeat(64), token: readToken, home: join(dir, 'h2') }), /LEPTON_ERR_INTEGRITY|not the pinned/);
  const infer = await api(p, 'POST', '/tokens', { name: 'infer-only', scopes: ['infer:tiny-dep'] });
  await assert.rejects(fetchPhoton({ controlPlane: p.url, ref: 'tiny@1', sha256: sha, token: String(infer.json['token']), home: join(dir, 'h3') }), /HTTP 403/);
  await assert.rejects(fetchPhoton({ controlPlane: p.url, ref: 'tiny@9', sha256: sha, token: readToken, home: join(dir, 'h4') }), /HTTP 404/);

  // lep up --export-k8s: every stored deployment, nothing started (the platform above holds the store open; WAL allows it)
  const upDir = join(dir, 'up');
  const u = await run(process.execPath, [LEP, 'up', '--export-k8s', upDir], { env });
  assert.match(u.stdout, /wrote .*tiny-dep\.yaml/);
  assert.equal(readFileSync(join(upDir, 'tiny-dep.yaml'), 'utf8').replace(/namespace: "[a-z]+"/g, '').includes('"tiny@1"'), true);
});
