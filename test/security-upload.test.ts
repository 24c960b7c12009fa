// Hostile photon uploads over HTTP (issue 21): gzip bombs are refused as their bytes arrive, with the
// platform answering /healthz throughout and its memory back afterwards (defect 3); a photon whose
// model is not ONNX or does not match its manifest is refused with 422 and nothing stored (defect 8).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createPhoton } from '../src/photon/create.js';
import { packPhoton, sha256Hex } from '../src/photon/archive.js';
import type { PhotonManifest } from '../src/photon/manifest.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { startTestPlatform, type TestPlatform } from './platform-helpers.js';
import { GiB, MiB, TAR_END, gzipParts, postPhoton, settledRss, tarEntry, watchHealth, type HealthWatch, type UploadAnswer } from './upload-helpers.js';

let p: TestPlatform;

before(async () => {
  p = await startTestPlatform();
});
after(async () => {
  await p.dispose();
});

function assertRefused(r: UploadAnswer, codes: RegExp = /^LEPTON_ERR_(PAYLOAD_TOO_LARGE|INTEGRITY|CORRUPT_FILE)$/): void {
  assert.ok(r.status === 413 || r.status === 422, `status ${r.status}: ${r.text.slice(0, 300)}`);
  assert.match(r.code ?? '', codes, r.text.slice(0, 300));
}

/** POST a bomb while polling /healthz; the platform must keep answering and give its memory back. */
async function bombRefused(bomb: Buffer, reason: RegExp): Promise<void> {
  const rssBefore = await settledRss();
  const health = watchHealth(p);
  await new Promise((r) => setTimeout(r, 150));
  let answer: UploadAnswer;
  let h: HealthWatch;
  try {
    answer = await postPhoton(p, bomb);
    await new Promise((r) => setTimeout(r, 150));
  } finally {
    h = await health.stop();
  }
  assertRefused(answer);
  assert.match(answer.message ?? '', reason);
  assert.deepEqual(h.failures, []);
  assert.ok(h.maxLatencyMs < 1000, `a /healthz answer took ${h.maxLatencyMs} ms`);
  assert.ok(h.maxGapMs < 1000, `no /healthz answer for ${h.maxGapMs} ms: the event loop froze`);
  const grown = (await settledRss(600)) - rssBefore;
  assert.ok(grown < 100 * MiB, `RSS grew by ${(grown / MiB).toFixed(0)} MiB after the refusal`);
}

test('a gzip bomb (one entry declaring 1 GiB of zeros, ~1 MB sent) is refused without freezing or keeping memory', { timeout: 120_000 }, async () => {
  const bomb = await gzipParts([...tarEntry('model.onnx', GiB), TAR_END]);
  assert.ok(bomb.length < 2 * MiB, `bomb is ${bomb.length} bytes`);
  await bombRefused(bomb, /larger than|ratio/);
});

test('a bomb inside the size limits (an honest 400 MiB entry of zeros) is stopped by the compression-ratio bound', { timeout: 120_000 }, async () => {
  const bomb = await gzipParts([...tarEntry('model.onnx', 400 * MiB), TAR_END]);
  await bombRefused(bomb, /ratio/);
});

test('three 1 GiB entries are refused just as fast', { timeout: 120_000 }, async () => {
  const bomb = await gzipParts([...tarEntry('a.bin', GiB), ...tarEntry('b.bin', GiB), ...tarEntry('c.bin', GiB), TAR_END]);
  await bombRefused(bomb, /larger than|ratio/);
});

// --- defect 8: the model must be ONNX and match the manifest ---

const MODEL = mlpModel(mlpWeights([4, 8, 3], 7));

/** Repack a photon after `edit` changes its manifest or files (sha256 and sizes recomputed). */
async function tampered(edit: (m: PhotonManifest, files: Map<string, Uint8Array>) => void): Promise<Uint8Array> {
  const { manifest } = await createPhoton({ name: 'shape', version: '2', model: MODEL, labels: ['a', 'b', 'c'] });
  const files = new Map<string, Uint8Array>([['model.onnx', MODEL]]);
  const m = structuredClone(manifest);
  edit(m, files);
  m.files = [...files].map(([path, data]) => ({ path, sha256: sha256Hex(data), bytes: data.length }));
  return packPhoton(m, files);
}

function registryState(): string {
  const root = join(p.home, 'photons');
  const index = existsSync(join(root, 'index.json')) ? readFileSync(join(root, 'index.json'), 'utf8') : '';
  const objects = existsSync(join(root, 'objects')) ? readdirSync(join(root, 'objects')).sort().join(',') : '';
  return `${index}|${objects}`;
}

test('a photon whose model.onnx is garbage, or whose inputs do not match the model, is 422 and not stored', { timeout: 60_000 }, async () => {
  // a good one first, so the registry is not empty and "unchanged" means something
  const good = await createPhoton({ name: 'shape', version: '1', model: MODEL, labels: ['a', 'b', 'c'] });
  assert.equal((await postPhoton(p, good.archive)).status, 201);
  const cases: Array<[string, Uint8Array, RegExp, string]> = [
    ['garbage model', await tampered((_m, f) => f.set('model.onnx', new Uint8Array(Buffer.from('this is not an onnx model, just bytes'.repeat(20))))), /not a valid ONNX/, 'LEPTON_ERR_CORRUPT_FILE'],
    ['wrong input name', await tampered((m) => (m.inputs[0]!.name = 'pixels')), /input.*pixels|pixels.*input/, 'LEPTON_ERR_INTEGRITY'],
    ['wrong input shape', await tampered((m) => (m.inputs[0]!.shape = ['N', 5])), /shape/, 'LEPTON_ERR_INTEGRITY'],
    ['extra input', await tampered((m) => m.inputs.push({ name: 'mask', dtype: 'float32', shape: ['N', 4] })), /input/, 'LEPTON_ERR_INTEGRITY'],
    ['wrong input dtype', await tampered((m) => (m.inputs[0]!.dtype = 'int64')), /dtype|int64/, 'LEPTON_ERR_INTEGRITY'],
    ['labels vs classes', await tampered((m) => (m.labels = ['a', 'b'])), /labels|classes/, 'LEPTON_ERR_INTEGRITY'],
  ];
  for (const [label, archive, reason, code] of cases) {
    const before = registryState();
    const r = await postPhoton(p, archive);
    assert.equal(r.status, 422, `${label}: ${r.text}`);
    assert.equal(r.code, code, `${label}: ${r.text}`);
    assert.match(r.message ?? '', reason, label);
    assert.equal(registryState(), before, `${label}: the registry changed`);
  }
});
