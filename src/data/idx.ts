/**
 * IDX files (the MNIST family's format): magic 0x0000 + dtype byte + rank byte, big-endian int32
 * dims, then big-endian data. Gzip-aware. Hand-written: the format is 20 lines of spec, and we want
 * strict size checks with typed errors rather than a dependency that trusts the header.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';

export type IdxDtype = 'ubyte' | 'sbyte' | 'short' | 'int' | 'float' | 'double';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDtype;
  /** Dimensions, outermost first, e.g. [60000, 28, 28]. */
  dims: number[];
  /** Row-major values, length = product of dims. */
  data: IdxData;
}

interface DtypeInfo {
  code: number;
  size: number;
  make: (n: number) => IdxData;
  read: (dv: DataView, off: number) => number;
  write: (dv: DataView, off: number, v: number) => void;
}

const DTYPES: Record<IdxDtype, DtypeInfo> = {
  ubyte: { code: 0x08, size: 1, make: (n) => new Uint8Array(n), read: (d, o) => d.getUint8(o), write: (d, o, v) => d.setUint8(o, v) },
  sbyte: { code: 0x09, size: 1, make: (n) => new Int8Array(n), read: (d, o) => d.getInt8(o), write: (d, o, v) => d.setInt8(o, v) },
  short: { code: 0x0b, size: 2, make: (n) => new Int16Array(n), read: (d, o) => d.getInt16(o), write: (d, o, v) => d.setInt16(o, v) },
  int: { code: 0x0c, size: 4, make: (n) => new Int32Array(n), read: (d, o) => d.getInt32(o), write: (d, o, v) => d.setInt32(o, v) },
  float: { code: 0x0d, size: 4, make: (n) => new Float32Array(n), read: (d, o) => d.getFloat32(o), write: (d, o, v) => d.setFloat32(o, v) },
  double: { code: 0x0e, size: 8, make: (n) => new Float64Array(n), read: (d, o) => d.getFloat64(o), write: (d, o, v) => d.setFloat64(o, v) },
};

const BY_CODE = new Map<number, IdxDtype>(Object.entries(DTYPES).map(([k, v]) => [v.code, k as IdxDtype]));

/** Upper bound on the decompressed size of a gzipped IDX file, so a gzip bomb cannot exhaust memory. */
export const MAX_IDX_BYTES = 2 ** 31 - 1;

export interface ParseIdxOptions {
  /** Name used in error messages (usually the file path). */
  name?: string;
  /** Cap on decompressed bytes. Default MAX_IDX_BYTES. */
  maxBytes?: number;
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Parse IDX bytes (plain or gzipped). Throws LEPTON_ERR_CORRUPT_FILE naming the file on any inconsistency. */
export function parseIdx(input: Uint8Array, opts: ParseIdxOptions = {}): IdxArray {
  const name = opts.name ?? '<buffer>';
  const corrupt = (m: string, cause?: unknown): LeptonError =>
    new LeptonError('LEPTON_ERR_CORRUPT_FILE', `${name}: not a valid IDX file: ${m}`, cause === undefined ? {} : { cause });
  let bytes = input;
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: opts.maxBytes ?? MAX_IDX_BYTES });
    } catch (err) {
      throw corrupt(`gzip data is damaged or too large (${(err as Error).message})`, err);
    }
  }
  if (bytes.length < 4) throw corrupt(`only ${bytes.length} bytes, shorter than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw corrupt(`bad magic number 0x${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('')}`);
  }
  const dtype = BY_CODE.get(bytes[2] as number);
  if (!dtype) throw corrupt(`unknown dtype byte 0x${(bytes[2] as number).toString(16)}`);
  const rank = bytes[3] as number;
  if (rank < 1) throw corrupt('rank 0 (no dimensions)');
  const headerLen = 4 + 4 * rank;
  if (bytes.length < headerLen) throw corrupt(`truncated header: ${rank} dims need ${headerLen} bytes, file has ${bytes.length}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = dv.getUint32(4 + 4 * i);
    if (d > 0x7fffffff) throw corrupt(`dimension ${i} is ${d}, not a valid size`);
    dims.push(d);
    count *= d;
  }
  const info = DTYPES[dtype];
  const expected = headerLen + count * info.size;
  const shape = `[${dims.join(', ')}] ${dtype}`;
  if (bytes.length < expected) {
    throw corrupt(`truncated: header declares ${shape} = ${expected} bytes but only ${bytes.length} are present`);
  }
  if (bytes.length > expected) {
    throw corrupt(`${bytes.length - expected} unexpected trailing bytes after ${shape} data`);
  }
  const data = info.make(count);
  if (info.size === 1) {
    data.set(info.code === 0x08 ? bytes.subarray(headerLen) : new Int8Array(bytes.buffer, bytes.byteOffset + headerLen, count));
  } else {
    for (let i = 0, o = headerLen; i < count; i++, o += info.size) data[i] = info.read(dv, o);
  }
  return { dtype, dims, data };
}

/** Read an IDX file (plain or .gz). Missing file → LEPTON_ERR_NOT_FOUND; malformed → LEPTON_ERR_CORRUPT_FILE. */
export function readIdx(path: string, opts: Omit<ParseIdxOptions, 'name'> = {}): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LeptonError('LEPTON_ERR_NOT_FOUND', `IDX file not found: ${path}`, { cause: err });
    throw new LeptonError('LEPTON_ERR_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseIdx(bytes, { ...opts, name: path });
}

/** Serialise to IDX bytes (gzipped when `gzip`). Values are stored in the array's dtype. */
export function encodeIdx(arr: IdxArray, opts: { gzip?: boolean } = {}): Uint8Array {
  const info = DTYPES[arr.dtype];
  if (!info) throw invalidArgument(`encodeIdx: unknown dtype ${String(arr.dtype)}`);
  if (arr.dims.length < 1 || arr.dims.length > 255) throw invalidArgument('encodeIdx: need 1..255 dimensions');
  if (!arr.dims.every((d) => Number.isInteger(d) && d >= 0 && d <= 0x7fffffff)) {
    throw invalidArgument(`encodeIdx: invalid dims [${arr.dims.join(', ')}]`);
  }
  const count = arr.dims.reduce((a, b) => a * b, 1);
  if (arr.data.length !== count) {
    throw invalidArgument(`encodeIdx: data has ${arr.data.length} values, dims [${arr.dims.join(', ')}] need ${count}`);
  }
  const headerLen = 4 + 4 * arr.dims.length;
  const out = new Uint8Array(headerLen + count * info.size);
  const dv = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = arr.dims.length;
  arr.dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  for (let i = 0, o = headerLen; i < count; i++, o += info.size) info.write(dv, o, arr.data[i] as number);
  return opts.gzip ? gzipSync(out) : out;
}

/** Write an IDX file atomically. */
export function writeIdx(path: string, arr: IdxArray, opts: { gzip?: boolean } = {}): void {
  writeFileAtomic(path, encodeIdx(arr, opts));
}
