/**
 * The safetensors format (huggingface/safetensors): 8-byte little-endian header length, a JSON
 * header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then
 * the raw little-endian bytes. Hand-written: the spec is one page and a dependency would be larger.
 * Loading validates everything so a damaged file is LEPTON_ERR_CORRUPT_FILE, never garbage weights.
 */
import { LeptonError } from '../core/errors.js';

export type SafeDType = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafeDType, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export type SafeData = Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: SafeData;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

const corrupt = (msg: string): LeptonError => new LeptonError('LEPTON_ERR_CORRUPT_FILE', `safetensors: ${msg}`);

/** Serialise tensors (in insertion order) and string metadata. */
export function encodeSafetensors(tensors: ReadonlyMap<string, SafeTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== count) throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `safetensors: '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    const bytes = count * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

function typed(dtype: SafeDType, bytes: Uint8Array): SafeData {
  // A copy (new Uint8Array(view) copies; Buffer#slice would not): aligned, independent of the file.
  const buf = new Uint8Array(bytes).buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F64':
      return new Float64Array(buf);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf);
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I16':
      return new Int16Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buf);
  }
}

/** Parse and validate a safetensors file. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw corrupt(`file of ${bytes.length} bytes is too short for a header`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) throw corrupt(`header length ${n} exceeds the file (${bytes.length} bytes) or the 100 MB limit`);
  const hlen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + hlen)).toString('utf8'));
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `safetensors: header is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw corrupt('header is not a JSON object');
  const dataStart = 8 + hlen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Array<[string, SafeDType, number[], number, number]> = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null) throw corrupt('__metadata__ is not an object');
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw corrupt(`metadata '${k}' is not a string`);
        metadata[k] = s;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw corrupt(`entry '${name}' is not an object`);
    if (typeof e.dtype !== 'string' || !(e.dtype in DTYPE_BYTES)) throw corrupt(`'${name}' has unsupported dtype ${JSON.stringify(e.dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw corrupt(`'${name}' has an invalid shape`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
      throw corrupt(`'${name}' has invalid data_offsets`);
    }
    const [begin, end] = off as [number, number];
    const dtype = e.dtype as SafeDType;
    const want = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (end - begin !== want) throw corrupt(`'${name}': ${end - begin} bytes for shape [${shape}] of ${dtype} (needs ${want})`);
    if (end > dataLen) throw corrupt(`'${name}' ends at byte ${end} but the data is ${dataLen} bytes (truncated file?)`);
    entries.push([name, dtype, shape as number[], begin, end]);
  }
  // The buffers must tile the data section exactly: no overlap, no holes.
  const sorted = [...entries].sort((a, b) => a[3] - b[3]);
  let pos = 0;
  for (const [name, , , begin, end] of sorted) {
    if (begin !== pos) throw corrupt(begin < pos ? `'${name}' overlaps the previous tensor` : `gap before '${name}'`);
    pos = end;
  }
  if (pos !== dataLen) throw corrupt(`${dataLen - pos} trailing bytes after the last tensor`);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, dtype, shape, begin, end] of entries) {
    tensors.set(name, { dtype, shape, data: typed(dtype, bytes.subarray(dataStart + begin, dataStart + end)) });
  }
  return { tensors, metadata };
}
