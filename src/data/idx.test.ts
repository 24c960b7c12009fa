// IDX reader/writer: round trips for every dtype, gzip, and strict rejection of malformed files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, parseIdx, readIdx, writeIdx, type IdxArray } from './idx.js';
import { LeptonError } from '../core/errors.js';

const code = (c: string) => (e: unknown) => e instanceof LeptonError && e.code === c;

const samples: IdxArray[] = [
  { dtype: 'ubyte', dims: [2, 3, 2], data: Uint8Array.from([0, 1, 2, 127, 128, 255, 9, 8, 7, 6, 5, 4]) },
  { dtype: 'sbyte', dims: [4], data: Int8Array.from([-128, -1, 0, 127]) },
  { dtype: 'short', dims: [2, 2], data: Int16Array.from([-32768, -2, 300, 32767]) },
  { dtype: 'int', dims: [3], data: Int32Array.from([-2147483648, 65536, 2147483647]) },
  { dtype: 'float', dims: [1, 3], data: Float32Array.from([-1.5, 0.1, 3e38]) },
  { dtype: 'double', dims: [2], data: Float64Array.from([Math.PI, -1e-300]) },
];

test('every dtype round-trips, plain and gzipped', () => {
  for (const s of samples) {
    for (const gzip of [false, true]) {
      const bytes = encodeIdx(s, { gzip });
      assert.equal(bytes[0] === 0x1f && bytes[1] === 0x8b, gzip);
      const back = parseIdx(bytes);
      assert.equal(back.dtype, s.dtype);
      assert.deepEqual(back.dims, s.dims);
      assert.equal(back.data.constructor, s.data.constructor);
      assert.deepEqual(Array.from(back.data), Array.from(s.data));
    }
  }
});

test('header layout is big-endian: magic, dtype byte, rank, dims', () => {
  const bytes = encodeIdx({ dtype: 'short', dims: [1, 258], data: new Int16Array(258).fill(0x0102) });
  assert.deepEqual(Array.from(bytes.subarray(0, 12)), [0, 0, 0x0b, 2, 0, 0, 0, 1, 0, 0, 1, 2]);
  assert.deepEqual(Array.from(bytes.subarray(12, 14)), [1, 2]);
});

test('files: writeIdx/readIdx, missing file is NOT_FOUND', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-idx-'));
  try {
    const p = join(dir, 'a-idx3-ubyte.gz');
    writeIdx(p, samples[0] as IdxArray, { gzip: true });
    assert.deepEqual(Array.from(readIdx(p).data), Array.from((samples[0] as IdxArray).data));
    assert.throws(() => readIdx(join(dir, 'nope')), code('LEPTON_ERR_NOT_FOUND'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('truncated data names the file and both sizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lepton-idx-'));
  try {
    const full = encodeIdx({ dtype: 'ubyte', dims: [10, 28, 28], data: new Uint8Array(7840) });
    const p = join(dir, 'cut-images-idx3-ubyte');
    writeFileSync(p, full.subarray(0, full.length - 100));
    assert.throws(
      () => readIdx(p),
      (e) => code('LEPTON_ERR_CORRUPT_FILE')(e) && /cut-images-idx3-ubyte: .*truncated/.test((e as Error).message),
    );
    // Gzipped truncation: both a cut gzip stream and a valid gzip of cut data.
    const gz = gzipSync(full);
    writeFileSync(p, gz.subarray(0, gz.length - 20));
    assert.throws(() => readIdx(p), code('LEPTON_ERR_CORRUPT_FILE'));
    writeFileSync(p, gzipSync(full.subarray(0, 500)));
    assert.throws(() => readIdx(p), (e) => code('LEPTON_ERR_CORRUPT_FILE')(e) && /truncated/.test((e as Error).message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed headers are CORRUPT_FILE', () => {
  const good = encodeIdx({ dtype: 'ubyte', dims: [2, 2], data: new Uint8Array(4) });
  const bad = (mut: (b: Uint8Array) => Uint8Array, re: RegExp): void =>
    assert.throws(
      () => parseIdx(mut(Uint8Array.from(good)), { name: 'x.idx' }),
      (e) => code('LEPTON_ERR_CORRUPT_FILE')(e) && /^x\.idx: /.test((e as Error).message) && re.test((e as Error).message),
    );
  bad((b) => ((b[0] = 0x50), b), /bad magic/);
  bad((b) => ((b[2] = 0x07), b), /unknown dtype/);
  bad((b) => ((b[3] = 0), b), /rank 0/);
  bad((b) => b.subarray(0, 3), /shorter than/);
  bad((b) => b.subarray(0, 9), /truncated header/);
  bad((b) => Uint8Array.from([...b, 1, 2]), /trailing/);
  // A header claiming 2^31-1 × 2^31-1 bytes is refused by the size check, not by an allocation.
  bad((b) => Uint8Array.from([0, 0, 8, 2, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0]), /truncated/);
  bad(() => new Uint8Array([0x1f, 0x8b, 1, 2, 3]), /gzip/);
});

test('encodeIdx rejects inconsistent arrays', () => {
  assert.throws(() => encodeIdx({ dtype: 'ubyte', dims: [3], data: new Uint8Array(2) }), code('LEPTON_ERR_INVALID_ARGUMENT'));
  assert.throws(() => encodeIdx({ dtype: 'ubyte', dims: [], data: new Uint8Array(0) }), code('LEPTON_ERR_INVALID_ARGUMENT'));
});
