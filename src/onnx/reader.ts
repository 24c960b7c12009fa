/**
 * Parse ONNX bytes into a plain typed structure (nodes, typed attributes, initializers as typed
 * arrays, graph inputs/outputs) that engines and tools read without touching protobuf objects.
 */
import type * as P from 'onnx-proto';
import { LeptonError } from '../core/errors.js';
import { onnx, DTYPE_BYTES, DTYPE_CODE, type AttrValue, type Dim, type OnnxDType, type ValueInfo } from './builder.js';

/** A decoded tensor. float16 data stays as raw bit patterns (Uint16Array). */
export interface OnnxTensor {
  name: string;
  dtype: OnnxDType;
  dims: number[];
  data: Float32Array | Float64Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
}

/** Attribute values as read; tensors come back decoded. */
export type ReadAttr = Exclude<AttrValue, { type: 'tensor' }> | { type: 'tensor'; value: OnnxTensor };

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, ReadAttr>;
}

export interface OnnxModel {
  irVersion: number;
  /** domain ('' = default ONNX) → version. */
  opsets: Record<string, number>;
  producerName: string;
  producerVersion: string;
  metadata: Record<string, string>;
  graph: {
    name: string;
    /** Inputs a caller feeds (declared graph inputs that are not initializers). */
    inputs: ValueInfo[];
    outputs: ValueInfo[];
    initializers: Map<string, OnnxTensor>;
    nodes: OnnxNode[];
  };
}

const CODE_TO_DTYPE = new Map<number, OnnxDType>(Object.entries(DTYPE_CODE).map(([k, v]) => [v, k as OnnxDType]));
const dec = new TextDecoder();

function corrupt(message: string, cause?: unknown): LeptonError {
  return new LeptonError('LEPTON_ERR_CORRUPT_FILE', `not a valid ONNX model: ${message}`, cause === undefined ? {} : { cause });
}

/** protobufjs returns int64 fields as Long objects when `long` is installed, else numbers. */
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v !== null && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}

function dtypeOf(code: number, where: string): OnnxDType {
  const d = CODE_TO_DTYPE.get(code);
  if (!d) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `${where}: ONNX data type ${code} is not supported`);
  return d;
}

/** Copy raw little-endian bytes into an aligned typed array of the dtype. */
function fromRaw(dtype: OnnxDType, raw: Uint8Array): OnnxTensor['data'] {
  // protobufjs hands out Node Buffers that view a shared pool, and Buffer#slice does not copy.
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  const buf = copy.buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'float16':
      return new Uint16Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
  }
}

/** Decode a TensorProto (raw_data or the typed repeated fields other producers use). */
export function readTensor(t: P.onnx.ITensorProto): OnnxTensor {
  const name = t.name ?? '';
  if (t.dataLocation === 1) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `tensor '${name}' uses external data, which is not supported`);
  const dtype = dtypeOf(t.dataType ?? 0, `tensor '${name}'`);
  const dims = (t.dims ?? []).map(num);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw corrupt(`tensor '${name}' has invalid dims`);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: OnnxTensor['data'];
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== count * DTYPE_BYTES[dtype]) {
      throw corrupt(`tensor '${name}' has ${t.rawData.length} bytes, dims [${dims.join(', ')}] need ${count * DTYPE_BYTES[dtype]}`);
    }
    data = fromRaw(dtype, t.rawData);
  } else {
    switch (dtype) {
      case 'float32':
        data = Float32Array.from(t.floatData ?? []);
        break;
      case 'float64':
        data = Float64Array.from(t.doubleData ?? []);
        break;
      case 'int64':
        data = BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(num(v))));
        break;
      case 'int8':
        data = Int8Array.from(t.int32Data ?? []);
        break;
      case 'uint8':
      case 'bool':
        data = Uint8Array.from(t.int32Data ?? []);
        break;
      case 'float16':
        data = Uint16Array.from(t.int32Data ?? []);
        break;
      case 'int32':
        data = Int32Array.from(t.int32Data ?? []);
        break;
    }
    if (data.length !== count) throw corrupt(`tensor '${name}' has ${data.length} elements, dims need ${count}`);
  }
  return { name, dtype, dims, data };
}

function readAttr(a: P.onnx.IAttributeProto): ReadAttr {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT:
      return { type: 'int', value: num(a.i) };
    case T.INTS:
      return { type: 'ints', value: (a.ints ?? []).map(num) };
    case T.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case T.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case T.STRING:
      return { type: 'string', value: dec.decode(a.s ?? new Uint8Array()) };
    case T.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => dec.decode(s)) };
    case T.TENSOR:
      if (!a.t) throw corrupt(`attribute '${a.name}' has no tensor`);
      return { type: 'tensor', value: readTensor(a.t) };
    default:
      throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `attribute '${a.name}' has unsupported type ${a.type}`);
  }
}

function readValueInfo(v: P.onnx.IValueInfoProto): ValueInfo {
  const tt = v.type?.tensorType;
  if (!v.name || !tt) throw corrupt(`graph value '${v.name ?? ''}' is not a tensor`);
  const shape: Dim[] = (tt.shape?.dim ?? []).map((d, i) => {
    if (d.dimParam) return d.dimParam;
    if (d.dimValue !== undefined && d.dimValue !== null) return num(d.dimValue);
    return `d${i}`;
  });
  return { name: v.name, dtype: dtypeOf(tt.elemType ?? 0, `graph value '${v.name}'`), shape };
}

/** Parse ONNX model bytes. Garbage or inconsistent data → LEPTON_ERR_CORRUPT_FILE. */
export function readModel(bytes: Uint8Array): OnnxModel {
  let m: P.onnx.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw corrupt((err as Error).message, err);
  }
  const g = m.graph;
  if (!g || num(m.irVersion) <= 0 || (m.opsetImport ?? []).length === 0) throw corrupt('missing graph, IR version or opset');
  if ((g.node ?? []).length === 0 || (g.output ?? []).length === 0) throw corrupt('graph has no nodes or no outputs');
  const opsets: Record<string, number> = {};
  for (const o of m.opsetImport) opsets[o.domain ?? ''] = num(o.version);
  const initializers = new Map<string, OnnxTensor>();
  for (const t of g.initializer ?? []) {
    const r = readTensor(t);
    initializers.set(r.name, r);
  }
  const nodes: OnnxNode[] = (g.node ?? []).map((n, i) => {
    if (!n.opType) throw corrupt(`node ${i} has no op type`);
    const attrs: Record<string, ReadAttr> = {};
    for (const a of n.attribute ?? []) attrs[a.name ?? ''] = readAttr(a);
    return {
      name: n.name ?? `${n.opType}_${i}`,
      opType: n.opType,
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs,
    };
  });
  const metadata: Record<string, string> = {};
  for (const p of m.metadataProps ?? []) metadata[p.key ?? ''] = p.value ?? '';
  return {
    irVersion: num(m.irVersion),
    opsets,
    producerName: m.producerName ?? '',
    producerVersion: m.producerVersion ?? '',
    metadata,
    graph: {
      name: g.name ?? '',
      inputs: (g.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(readValueInfo),
      outputs: (g.output ?? []).map(readValueInfo),
      initializers,
      nodes,
    },
  };
}

/** Convert float16 bit patterns to float32 (for DequantizeLinear / Cast on fp16 models). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    if (e === 0) out[i] = s * 2 ** -14 * (f / 1024);
    else if (e === 31) out[i] = f ? NaN : s * Infinity;
    else out[i] = s * 2 ** (e - 15) * (1 + f / 1024);
  }
  return out;
}

/** Convert float32 values to float16 bit patterns (round to nearest). */
export function float32ToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
    } else if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
      } else {
        mant |= 0x800000;
        const shift = 14 - e;
        let h = mant >> shift;
        if ((mant >> (shift - 1)) & 1) h += 1;
        out[i] = sign | h;
      }
    } else {
      // A rounding carry may run into the exponent; reaching 0x7c00 correctly means Infinity.
      const h = ((e << 10) | (mant >> 13)) + ((mant >> 12) & 1);
      out[i] = sign | h;
    }
  }
  return out;
}
