/**
 * A small typed API to build ONNX ModelProto bytes (opset, typed graph inputs/outputs with symbolic
 * dims, initializers from typed arrays, nodes with attributes) over the generated `onnx-proto` code.
 */
import onnxProto from 'onnx-proto';
import { LeptonError } from '../core/errors.js';

/** The generated protobuf namespace (protobufjs, ONNX 1.10 schema). */
export const onnx = onnxProto.onnx;

/** Element types the builder and reader handle. */
export type OnnxDType = 'float32' | 'float64' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

/** A dimension: a fixed size, or a symbolic name such as 'N' for the batch. */
export type Dim = number | string;

/** Data accepted for an initializer; float16 takes its raw bit patterns as a Uint16Array. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | Int32Array
  | BigInt64Array;

export interface TensorInit {
  dtype: OnnxDType;
  dims: number[];
  /** For int64 a BigInt64Array or an Int32Array / number[] (converted); for bool a Uint8Array of 0/1. */
  data: TensorData | number[];
}

/** A typed attribute value. Plain numbers are ambiguous in ONNX (int vs float), so use `attr.*`. */
export type AttrValue =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'float'; value: number }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'tensor'; value: TensorInit };

/** Attribute constructors: `{ axis: attr.int(1), alpha: attr.float(1) }`. */
export const attr = {
  int: (value: number): AttrValue => ({ type: 'int', value }),
  ints: (value: number[]): AttrValue => ({ type: 'ints', value }),
  float: (value: number): AttrValue => ({ type: 'float', value }),
  floats: (value: number[]): AttrValue => ({ type: 'floats', value }),
  string: (value: string): AttrValue => ({ type: 'string', value }),
  strings: (value: string[]): AttrValue => ({ type: 'strings', value }),
  tensor: (value: TensorInit): AttrValue => ({ type: 'tensor', value }),
};

export interface ValueInfo {
  name: string;
  dtype: OnnxDType;
  shape: Dim[];
}

export interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Operator domain; '' is the default ONNX domain. */
  domain?: string;
  attrs?: Record<string, AttrValue>;
}

export interface ModelSpec {
  graphName?: string;
  /** Default-domain opset version. Default 13. */
  opset?: number;
  /** Extra opset imports, e.g. `{ 'com.microsoft': 1 }`. */
  extraOpsets?: Record<string, number>;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Array<TensorInit & { name: string }>;
  nodes: NodeSpec[];
  /** Free key/value pairs stored in ModelProto.metadata_props. */
  metadata?: Record<string, string>;
}

/** ONNX's TensorProto.DataType numbers for each dtype. */
export const DTYPE_CODE: Record<OnnxDType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

/** Bytes per element for each dtype. */
export const DTYPE_BYTES: Record<OnnxDType, number> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  float64: 8,
};

const IR_VERSION = 8;

function product(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Encode element data little-endian for TensorProto.raw_data (every platform Node runs on is LE). */
function rawBytes(t: TensorInit, label: string): Uint8Array {
  const count = product(t.dims);
  let typed: TensorData;
  const d = t.data;
  switch (t.dtype) {
    case 'float32':
      typed = d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);
      break;
    case 'float64':
      typed = d instanceof Float64Array ? d : Float64Array.from(d as ArrayLike<number>);
      break;
    case 'float16':
      typed = d instanceof Uint16Array ? d : Uint16Array.from(d as ArrayLike<number>);
      break;
    case 'int8':
      typed = d instanceof Int8Array ? d : Int8Array.from(d as ArrayLike<number>);
      break;
    case 'uint8':
    case 'bool':
      typed = d instanceof Uint8Array ? d : Uint8Array.from(d as ArrayLike<number>);
      break;
    case 'int32':
      typed = d instanceof Int32Array ? d : Int32Array.from(d as ArrayLike<number>);
      break;
    case 'int64':
      typed = d instanceof BigInt64Array ? d : BigInt64Array.from(Array.from(d as ArrayLike<number>, (v) => BigInt(v)));
      break;
  }
  if (typed.length !== count) {
    throw new LeptonError(
      'LEPTON_ERR_SHAPE_MISMATCH',
      `tensor ${label}: ${typed.length} elements given, dims [${t.dims.join(', ')}] need ${count}`,
    );
  }
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength).slice();
}

/** Build a TensorProto object from typed data (raw_data encoding). */
export function tensorProto(name: string, t: TensorInit): onnxProto.onnx.ITensorProto {
  return { name, dataType: DTYPE_CODE[t.dtype], dims: t.dims, rawData: rawBytes(t, name) };
}

function valueInfo(v: ValueInfo): onnxProto.onnx.IValueInfoProto {
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: DTYPE_CODE[v.dtype], shape: { dim } } } };
}

const enc = new TextEncoder();

function attribute(name: string, a: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: a.value };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'floats':
      return { name, type: T.FLOATS, floats: a.value };
    case 'string':
      return { name, type: T.STRING, s: enc.encode(a.value) };
    case 'strings':
      return { name, type: T.STRINGS, strings: a.value.map((s) => enc.encode(s)) };
    case 'tensor':
      return { name, type: T.TENSOR, t: tensorProto(name, a.value) };
  }
}

/** Serialize a model spec to ONNX bytes. Throws LEPTON_ERR_INVALID_ARGUMENT on a malformed spec. */
export function buildModel(spec: ModelSpec): Uint8Array {
  checkSpec(spec);
  const opsetImport: onnxProto.onnx.IOperatorSetIdProto[] = [{ domain: '', version: spec.opset ?? 13 }];
  for (const [domain, version] of Object.entries(spec.extraOpsets ?? {})) opsetImport.push({ domain, version });
  const graph: onnxProto.onnx.IGraphProto = {
    name: spec.graphName ?? 'main',
    input: spec.inputs.map(valueInfo),
    output: spec.outputs.map(valueInfo),
    initializer: (spec.initializers ?? []).map((t) => tensorProto(t.name, t)),
    node: spec.nodes.map((n, i) => ({
      name: n.name ?? `${n.opType}_${i}`,
      opType: n.opType,
      domain: n.domain ?? '',
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    })),
  };
  const model: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport,
    producerName: spec.producerName ?? 'lepton-ts',
    producerVersion: spec.producerVersion ?? '0.1.0',
    docString: spec.docString ?? '',
    graph,
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  // protobufjs may return a Buffer viewing a shared pool; hand out a plain, exclusively owned copy.
  return new Uint8Array(bytes);
}

/** Catch the mistakes that would otherwise only surface as an opaque runtime load failure. */
function checkSpec(spec: ModelSpec): void {
  const defined = new Set<string>();
  const bad = (msg: string): never => {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `onnx builder: ${msg}`);
  };
  for (const v of spec.inputs) defined.add(v.name);
  for (const t of spec.initializers ?? []) {
    if (defined.has(t.name)) bad(`name '${t.name}' defined twice`);
    if (t.dims.some((d) => !Number.isInteger(d) || d < 0)) bad(`initializer '${t.name}' has invalid dims`);
    defined.add(t.name);
  }
  for (const n of spec.nodes) {
    for (const i of n.inputs) if (i !== '' && !defined.has(i)) bad(`node ${n.opType} reads undefined value '${i}'`);
    for (const o of n.outputs) {
      if (defined.has(o)) bad(`value '${o}' produced twice`);
      defined.add(o);
    }
  }
  for (const o of spec.outputs) if (!defined.has(o.name)) bad(`graph output '${o.name}' is never produced`);
}

/**
 * Incremental form of `buildModel` for code that emits a graph layer by layer:
 * unique value names via `fresh()`, then `toBytes()`.
 */
export class GraphBuilder {
  readonly spec: ModelSpec & { initializers: Array<TensorInit & { name: string }> };
  private counter = 0;

  constructor(options: Omit<ModelSpec, 'inputs' | 'outputs' | 'nodes' | 'initializers'> = {}) {
    this.spec = { ...options, inputs: [], outputs: [], nodes: [], initializers: [] };
  }

  /** A value name not used before, e.g. `fresh('relu')` → `relu_3`. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, dtype: OnnxDType, shape: Dim[]): string {
    this.spec.inputs.push({ name, dtype, shape });
    return name;
  }

  output(name: string, dtype: OnnxDType, shape: Dim[]): string {
    this.spec.outputs.push({ name, dtype, shape });
    return name;
  }

  initializer(name: string, t: TensorInit): string {
    this.spec.initializers.push({ name, ...t });
    return name;
  }

  /** Add a node; returns its first output name (a fresh one when `outputs` is omitted). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs?: string[], domain?: string): string {
    const outs = outputs ?? [this.fresh(opType.toLowerCase())];
    this.spec.nodes.push({ opType, inputs, outputs: outs, attrs, ...(domain === undefined ? {} : { domain }) });
    return outs[0]!;
  }

  toBytes(): Uint8Array {
    return buildModel(this.spec);
  }
}
