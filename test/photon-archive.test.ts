// Photon unpacker against hostile archives, hand-built byte by byte (ustar headers + gzip) so each
// carries exactly the one defect under test: every one is refused with LEPTON_ERR_INTEGRITY and a
// reason, and a well-formed photon still unpacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { LeptonError } from '../src/core/errors.js';
import { unpackPhoton } from '../src/photon/archive.js';
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
