// Photons: manifest validation, pack/unpack round trip, the registry (versions, remove, tamper,
// truncation, crash consistency) and hostile archives (traversal, links, oversized, unlisted entries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { LeptonError } from '../src/core/errors.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { modelNameFromFile } from '../src/serve/serve-photon.js';
import { createPhoton, parseImageSpec, unpackPhoton, packPhoton, PhotonRegistry, validateManifest, parseRef, compareVersions, sha256Hex, type PhotonManifest } from '../src/photon/index.js';

const model = mlpModel(mlpWeights([16, 8, 4], 5));
const labels = ['a', 'b', 'c', 'd'];
const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

function tmpHome(): string {
  return mkdtempSync(join(tmpdir(), 'lepton-photon-test-'));
}

/** A raw tar.gz with hand-made headers, so tests can build archives `tar` itself would never write. */
function rawTar(entries: Array<{ path: string; type?: string; data?: string; linkpath?: string; size?: number }>): Uint8Array {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const h = new tar.Header({ path: e.path, type: (e.type ?? 'File') as never, size: e.size ?? data.length, mode: 0o644, mtime: new Date(0), ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    const hb = Buffer.alloc(512);
    h.encode(hb, 0);
    blocks.push(hb);
    if (data.length > 0) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return new Uint8Array(gzipSync(Buffer.concat(blocks)));
}

test('create → pack → unpack round-trips the manifest and files', async () => {
  const { manifest, archive } = await createPhoton({ name: 'digits', version: '1', model, labels, image: parseImageSpec('4x4:gray'), created: new Date('2024-01-01T00:00:00Z') });
  assert.deepEqual(manifest.inputs, [{ name: 'input', dtype: 'float32', shape: ['N', 16] }]);
  assert.deepEqual(manifest.outputs, [{ name: 'output', dtype: 'float32', shape: ['N', 4] }]);
  assert.deepEqual(manifest.image, { width: 4, height: 4, channels: 1, normalize: 'unit' });
  assert.equal(manifest.files[0]!.sha256, sha256Hex(model));
  const un = await unpackPhoton(archive);
  assert.deepEqual(un.manifest, manifest);
  assert.deepEqual(un.files.get('model.onnx'), model);
  // Deterministic: same input, same bytes, same content address.
  const again = await createPhoton({ name: 'digits', version: '1', model, labels, image: parseImageSpec('4x4:gray'), created: new Date('2024-01-01T00:00:00Z') });
  assert.equal(sha256Hex(again.archive), sha256Hex(archive));
});

test('create checks labels and image size against the model', async () => {
  await assert.rejects(createPhoton({ name: 'x', version: '1', model, labels: ['a', 'b'] }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  await assert.rejects(createPhoton({ name: 'x', version: '1', model, image: parseImageSpec('28x28:gray') }), code('LEPTON_ERR_SHAPE_MISMATCH'));
  assert.throws(() => parseImageSpec('28by28'), code('LEPTON_ERR_INVALID_ARGUMENT'));
  assert.deepEqual(parseImageSpec('32x24:rgb'), { width: 32, height: 24, channels: 3, normalize: 'unit' });
});

test('manifest validation rejects bad names, versions, paths and batching', async () => {
  const { manifest } = await createPhoton({ name: 'ok-name', version: '1.2.3', model });
  const bad = (patch: Partial<Record<keyof PhotonManifest, unknown>>): void =>
    assert.throws(() => validateManifest({ ...manifest, ...patch }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  for (const name of ['-lead', '_lead', '.', '..', '__proto__', 'has space', 'a/b', 'a'.repeat(129), '../x', 'é', '']) bad({ name });
  // Triton's model-name characters are kept (issue 12): what a file is called is what OIP clients call
  for (const name of ['torch_cnn', 'ResNet50', 'model.v2', 'a-b_c.d', 'a'.repeat(128)]) assert.equal(validateManifest({ ...manifest, name }).name, name);
  for (const version of ['v1', '1..2', '', '1.2.3.4']) bad({ version });
  bad({ files: [{ path: '../model.onnx', sha256: manifest.files[0]!.sha256, bytes: 1 }] });
  bad({ files: [{ path: '/etc/passwd', sha256: manifest.files[0]!.sha256, bytes: 1 }] });
  bad({ model: 'other.onnx' });
  bad({ batching: { ...manifest.batching, maxBatch: 0 } });
  bad({ image: { width: 0, height: 4, channels: 2 } });
  assert.throws(() => validateManifest('nope'), code('LEPTON_ERR_INVALID_ARGUMENT'));
  assert.deepEqual(parseRef('mnist@2'), { name: 'mnist', version: '2' });
  assert.deepEqual(parseRef('torch_cnn.v2@1.0'), { name: 'torch_cnn.v2', version: '1.0' });
  for (const ref of ['.hidden', 'a b', 'a@', 'a@v1', '@1']) assert.throws(() => parseRef(ref), code('LEPTON_ERR_INVALID_ARGUMENT'), ref);
  assert.equal(modelNameFromFile('/m/torch_cnn.onnx'), 'torch_cnn');
  assert.equal(modelNameFromFile('My Model (v2).ONNX'), 'My_Model_v2_');
  assert.equal(modelNameFromFile('_.onnx'), 'model');
  assert.ok(compareVersions('1.10', '1.9') > 0 && compareVersions('2-rc1', '2') < 0 && compareVersions('3', '3.0') === 0);
});

test('registry: add, list, resolve latest, load, remove', async () => {
  const home = tmpHome();
  try {
    const reg = new PhotonRegistry({ home });
    assert.equal(reg.nextVersion('digits'), '1');
    const v1 = await createPhoton({ name: 'digits', version: '1', model, labels });
    const e1 = await reg.add(v1.archive);
    assert.equal(e1.sha256, sha256Hex(v1.archive));
    assert.ok(existsSync(join(home, 'photons', 'objects', `${e1.sha256}.tgz`)));
    assert.equal(reg.nextVersion('digits'), '2');
    const v2 = await createPhoton({ name: 'digits', version: '2', model, labels: ['w', 'x', 'y', 'z'] });
    await reg.add(v2.archive);
    await reg.add(v2.archive); // idempotent
    await assert.rejects(reg.add((await createPhoton({ name: 'digits', version: '2', model })).archive), code('LEPTON_ERR_CONFLICT'));
    assert.deepEqual(reg.list().map((p) => [p.name, p.versions.map((v) => v.version)]), [['digits', ['1', '2']]]);
    const latest = await reg.load('digits');
    assert.equal(latest.ref, 'digits@2');
    assert.deepEqual(latest.manifest.labels, ['w', 'x', 'y', 'z']);
    assert.equal((await reg.load('digits@1')).manifest.labels?.[0], 'a');
    await assert.rejects(reg.load('digits@9'), code('LEPTON_ERR_PHOTON_NOT_FOUND'));
    await assert.rejects(reg.load('nothing'), code('LEPTON_ERR_PHOTON_NOT_FOUND'));
    assert.deepEqual(Buffer.from(latest.files.get('model.onnx')!), Buffer.from(model));
    await reg.remove('digits@1');
    assert.ok(!existsSync(reg.objectPath(e1.sha256)));
    assert.deepEqual(reg.list()[0]!.versions.map((v) => v.version), ['2']);
    await reg.remove('digits');
    assert.deepEqual(reg.list(), []);
    await assert.rejects(reg.remove('digits'), code('LEPTON_ERR_PHOTON_NOT_FOUND'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('registry refuses a tampered or truncated object with LEPTON_ERR_INTEGRITY', async () => {
  const home = tmpHome();
  try {
    const reg = new PhotonRegistry({ home });
    const { archive } = await createPhoton({ name: 'digits', version: '1', model });
    const e = await reg.add(archive);
    const path = reg.objectPath(e.sha256);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(path, bytes);
    await assert.rejects(reg.load('digits'), code('LEPTON_ERR_INTEGRITY'));
    writeFileSync(path, archive.subarray(0, archive.length - 100));
    await assert.rejects(reg.load('digits'), code('LEPTON_ERR_INTEGRITY'));
    rmSync(path);
    await assert.rejects(reg.load('digits'), code('LEPTON_ERR_INTEGRITY'));
    // Truncated archives are refused on add too, and leave no trace.
    await assert.rejects(reg.add(archive.subarray(0, archive.length - 100)), code('LEPTON_ERR_INTEGRITY'));
    await assert.rejects(reg.add(archive.subarray(0, 40)), code('LEPTON_ERR_INTEGRITY'));
    assert.deepEqual(readdirSync(join(home, 'photons', 'objects')), []);
    // A corrupt index is reported, not silently reset.
    writeFileSync(join(home, 'photons', 'index.json'), '{"schema":1,"phot');
    assert.throws(() => reg.list(), code('LEPTON_ERR_CORRUPT_FILE'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a crash between object write and index write leaves a consistent registry', async () => {
  const home = tmpHome();
  try {
    const reg = new PhotonRegistry({ home });
    const { archive } = await createPhoton({ name: 'digits', version: '1', model });
    // Simulate the crash: the object exists (plus a stray temp file) but the index was never written.
    mkdirSync(join(home, 'photons', 'objects'), { recursive: true });
    writeFileSync(reg.objectPath(sha256Hex(archive)), archive);
    writeFileSync(join(home, 'photons', 'objects', '.half.tmp'), archive.subarray(0, 10));
    assert.deepEqual(reg.list(), []);
    await reg.add(archive);
    assert.equal((await reg.load('digits')).ref, 'digits@1');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('hostile archives are refused: traversal, absolute paths, links, oversized, unlisted, bad sha', async () => {
  const { manifest, archive } = await createPhoton({ name: 'digits', version: '1', model });
  const mj = JSON.stringify(manifest);
  const modelStr = Buffer.from(model).toString('latin1');
  const cases: Array<[string, Uint8Array]> = [
    ['dot-dot path', rawTar([{ path: 'photon.json', data: mj }, { path: '../evil.sh', data: 'x' }])],
    ['absolute path', rawTar([{ path: 'photon.json', data: mj }, { path: '/tmp/evil', data: 'x' }])],
    ['symlink', rawTar([{ path: 'photon.json', data: mj }, { path: 'model.onnx', type: 'SymbolicLink', linkpath: '/etc/passwd' }])],
    ['hardlink', rawTar([{ path: 'photon.json', data: mj }, { path: 'model.onnx', type: 'Link', linkpath: 'photon.json' }])],
    ['unlisted entry', rawTar([{ path: 'photon.json', data: mj }, { path: 'model.onnx', data: modelStr }, { path: 'extra.bin', data: 'x' }])],
    ['missing model', rawTar([{ path: 'photon.json', data: mj }])],
    ['no manifest', rawTar([{ path: 'model.onnx', data: 'x' }])],
    ['manifest not JSON', rawTar([{ path: 'photon.json', data: '{nope' }])],
    ['wrong sha', rawTar([{ path: 'photon.json', data: mj }, { path: 'model.onnx', data: modelStr.slice(0, -1) + 'Z' }])],
    ['not gzip', new TextEncoder().encode('plain text, definitely not an archive')],
  ];
  for (const [label, bytes] of cases) {
    await assert.rejects(unpackPhoton(bytes), (e: unknown) => e instanceof LeptonError && ['LEPTON_ERR_INTEGRITY'].includes(e.code), label);
  }
  await assert.rejects(unpackPhoton(archive, { maxEntryBytes: 100 }), code('LEPTON_ERR_INTEGRITY'));
  // A manifest that is JSON but invalid is an argument problem with the reasons listed.
  const badManifest = rawTar([{ path: 'photon.json', data: JSON.stringify({ ...manifest, name: 'BAD NAME' }) }, { path: 'model.onnx', data: modelStr }]);
  await assert.rejects(unpackPhoton(badManifest), code('LEPTON_ERR_INVALID_ARGUMENT'));
  // Packing refuses files that do not match the manifest.
  await assert.rejects(packPhoton(manifest, new Map([['model.onnx', new Uint8Array([1, 2, 3])]])), code('LEPTON_ERR_INTEGRITY'));
});
