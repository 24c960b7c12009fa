// Photon unpacker against hostile archives, hand-built byte by byte (ustar headers + gzip) so each
// carries exactly the one defect under test: every one is refused with LEPTON_ERR_INTEGRITY and a
// reason, and a well-formed photon still unpacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { LeptonError } from '../src/core/errors.js';
import { randomBytes } from 'node:crypto';
import { sha256Hex, unpackPhoton } from '../src/photon/archive.js';
import { createPhoton } from '../src/photon/create.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';

interface RawEntry {
  name: string;
  data?: string;
  /** ustar typeflag: '0' file, '1' hardlink, '2' symlink, '3' char device, '5' directory. */
  type?: string;
  link?: string;
}

function header(e: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'latin1');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(e.type ?? '0', 156);
  h.write(e.link ?? '', 157, 100, 'latin1');
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function tgz(entries: RawEntry[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '', 'latin1');
    parts.push(header(e, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return new Uint8Array(gzipSync(Buffer.concat(parts)));
}

async function refusedFor(archive: Uint8Array, reason: RegExp, limits = {}): Promise<void> {
  await assert.rejects(unpackPhoton(archive, limits), (e: unknown) => {
    assert.ok(e instanceof LeptonError, String(e));
    assert.equal(e.code, 'LEPTON_ERR_INTEGRITY', e.message);
    assert.match(e.message, reason);
    return true;
  });
}

test('hostile entries are refused with the reason', async () => {
  const cases: Array<[RawEntry[], RegExp]> = [
    [[{ name: '../evil.txt', data: 'x' }], /'\.\.' component/],
    [[{ name: 'a/../../evil.txt', data: 'x' }], /'\.\.' component/],
    [[{ name: '/etc/cron.d/evil', data: 'x' }], /absolute path/],
    [[{ name: 'C:/evil', data: 'x' }], /absolute path/],
    [[{ name: 'a\\..\\evil', data: 'x' }], /backslash/],
    [[{ name: 'a\u0001b', data: 'x' }], /control character/],
    [[{ name: `${'d/'.repeat(40)}f`, data: 'x' }], /nested deeper/],
    [[{ name: 'link', type: '2', link: '/etc/passwd' }], /SymbolicLink; only regular files/],
    [[{ name: 'hard', type: '1', link: 'manifest.json' }], /Link; only regular files/],
    [[{ name: 'dev', type: '3' }], /only regular files/],
    [[{ name: 'model.onnx', data: 'a' }, { name: './model.onnx', data: 'b' }], /duplicate entry/],
  ];
  for (const [entries, reason] of cases) await refusedFor(tgz(entries), reason);
});

test('size and count limits hold', async () => {
  await refusedFor(tgz([{ name: 'big', data: 'x'.repeat(11) }]), /larger than 10 bytes/, { maxEntryBytes: 10 });
  await refusedFor(tgz([{ name: 'a', data: 'x'.repeat(6) }, { name: 'b', data: 'x'.repeat(6) }]), /larger than 10 bytes/, { maxTotalBytes: 10 });
  await refusedFor(tgz([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), /more than 2 entries/, { maxEntries: 2 });
});

test('not a gzip, a truncated archive, and a well-formed photon', async () => {
  await refusedFor(new TextEncoder().encode('definitely not a tar.gz archive'), /not a gzipped tar/);
  const { archive, manifest } = await createPhoton({ name: 'ok', version: '1', model: mlpModel(mlpWeights([4, 3], 1)) });
  await refusedFor(archive.subarray(0, archive.length - 40), /corrupt or truncated/);
  const unpacked = await unpackPhoton(archive);
  assert.deepEqual(unpacked.manifest, manifest);
  assert.deepEqual([...unpacked.files.keys()], ['model.onnx']);
});

// --- streaming limits (issue 21 defect 3): enforced on the bytes as they inflate ---

function rawTar(entries: Array<{ name: string; data: Buffer; declared?: number; type?: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header({ name: e.name, type: e.type ?? '0' }, e.declared ?? e.data.length), e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

test('the compression ratio is bounded as the archive inflates', async () => {
  const zeros = new Uint8Array(gzipSync(rawTar([{ name: 'model.onnx', data: Buffer.alloc(8 * 1024 * 1024) }])));
  await refusedFor(zeros, /compression ratio exceeds 200×/);
  await refusedFor(zeros, /compression ratio exceeds 2×/, { maxCompressionRatio: 2 });
  // random bytes barely compress: far under any ratio, they reach the manifest checks
  const noise = new Uint8Array(gzipSync(rawTar([{ name: 'model.onnx', data: randomBytes(3 * 1024 * 1024) }])));
  await refusedFor(noise, /no photon\.json/, { maxCompressionRatio: 2 });
});

test('nested compression, lying headers and directory floods are refused', async () => {
  const inner = gzipSync(rawTar([{ name: 'x', data: Buffer.from('x') }]));
  await refusedFor(new Uint8Array(gzipSync(inner)), /nested compression/);
  // a header declaring fewer bytes than follow: the rest is parsed as a (bad) header
  const lying = rawTar([{ name: 'model.onnx', data: Buffer.from('A'.repeat(2048)), declared: 10 }]);
  await refusedFor(new Uint8Array(gzipSync(lying)), /corrupt or truncated/);
  // a header declaring more bytes than the archive has
  const short = rawTar([{ name: 'model.onnx', data: Buffer.from('abc'), declared: 4096 }]).subarray(0, 1024);
  await refusedFor(new Uint8Array(gzipSync(short)), /corrupt or truncated/);
  // directories count towards the entry limit even though they hold no bytes
  const dirs = rawTar(Array.from({ length: 5 }, (_, i) => ({ name: `d${i}/`, data: Buffer.alloc(0), type: '5' })));
  await refusedFor(new Uint8Array(gzipSync(dirs)), /more than 4 entries/, { maxEntries: 4 });
  // a truncated gzip stream
  const good = gzipSync(rawTar([{ name: 'a', data: randomBytes(100_000) }]));
  await refusedFor(new Uint8Array(good.subarray(0, good.length >> 1)), /corrupt or truncated/);
});

test('a large photon streams through with its sha256 checked', async () => {
  const { manifest } = await createPhoton({ name: 'big', version: '1', model: mlpModel(mlpWeights([4, 3], 1)) });
  const blob = randomBytes(12 * 1024 * 1024);
  const m = { ...manifest, files: [{ path: 'model.onnx', sha256: sha256Hex(blob), bytes: blob.length }] };
  const archive = new Uint8Array(gzipSync(rawTar([{ name: 'photon.json', data: Buffer.from(JSON.stringify(m)) }, { name: 'model.onnx', data: blob }])));
  const unpacked = await unpackPhoton(archive);
  assert.equal(Buffer.compare(Buffer.from(unpacked.files.get('model.onnx')!), blob), 0);
  blob[5] = (blob[5]! + 1) % 256;
  const tampered = new Uint8Array(gzipSync(rawTar([{ name: 'photon.json', data: Buffer.from(JSON.stringify(m)) }, { name: 'model.onnx', data: blob }])));
  await refusedFor(tampered, /fails its sha256 check/);
});
