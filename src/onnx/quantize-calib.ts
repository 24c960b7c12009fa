/**
 * Calibration support for static quantization: a copy of the model whose every float32
 * intermediate value is also a graph output, so one engine run yields all activation ranges.
 */
import { buildModel, DTYPE_CODE, onnx, type OnnxDType } from './builder.js';
import { readModel, type OnnxModel } from './reader.js';
import { toSpec } from './quantize-graph.js';

const CODE_TO_DTYPE = new Map<number, OnnxDType>(Object.entries(DTYPE_CODE).map(([k, v]) => [v, k as OnnxDType]));

const INT64_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero', 'NonMaxSuppression', 'TopK_indices']);
const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);

/**
 * Forward dtype propagation over the graph, enough to tell float activations from shape arithmetic.
 * Ops we do not model inherit their first input's dtype, which is right for every shape-preserving op.
 */
export function inferDtypes(model: OnnxModel): Map<string, OnnxDType> {
  const types = new Map<string, OnnxDType>();
  for (const v of model.graph.inputs) types.set(v.name, v.dtype);
  for (const t of model.graph.initializers.values()) types.set(t.name, t.dtype);
  for (const n of model.graph.nodes) {
    const first = types.get(n.inputs[0] ?? '') ?? 'float32';
    n.outputs.forEach((o, i) => {
      let t: OnnxDType = first;
      const to = n.attrs['to'];
      const value = n.attrs['value'];
      if (INT64_OPS.has(n.opType) || (n.opType === 'TopK' && i === 1) || (n.opType === 'MaxPool' && i === 1)) t = 'int64';
      else if (BOOL_OPS.has(n.opType)) t = 'bool';
      else if (n.opType === 'Cast' && to?.type === 'int') t = CODE_TO_DTYPE.get(to.value) ?? first;
      else if (n.opType === 'Constant' && value?.type === 'tensor') t = value.value.dtype;
      else if (n.opType === 'DynamicQuantizeLinear') t = i === 1 ? 'float32' : 'uint8';
      else if (n.opType === 'QuantizeLinear') t = types.get(n.inputs[2] ?? '') ?? 'uint8';
      else if (n.opType === 'DequantizeLinear') t = 'float32';
      else if (n.opType === 'MatMulInteger' || n.opType === 'ConvInteger') t = 'int32';
      else if (n.opType === 'Gather' || n.opType === 'Where') t = types.get(n.inputs[n.opType === 'Where' ? 1 : 0] ?? '') ?? first;
      types.set(o, t);
    });
  }
  return types;
}

/** Names of the float32 values computed by nodes (activations), in graph order. */
export function floatActivations(model: OnnxModel): string[] {
  const types = inferDtypes(model);
  return model.graph.nodes.flatMap((n) => n.outputs).filter((o) => o !== '' && types.get(o) === 'float32');
}

/** The model with every float32 activation exposed as an extra graph output. */
export function calibrationModel(modelBytes: Uint8Array): { bytes: Uint8Array; tensors: string[] } {
  const model = readModel(modelBytes);
  const spec = toSpec(model);
  const declared = new Set(spec.outputs.map((o) => o.name));
  const tensors = floatActivations(model);
  let d = 0;
  for (const name of tensors) {
    if (declared.has(name)) continue;
    // The rank is unknown here; the shape is removed after building so ORT infers it.
    spec.outputs.push({ name, dtype: 'float32', shape: [] });
    d++;
  }
  const bytes = buildModel(spec);
  return { bytes: d === 0 ? bytes : stripOutputShapes(bytes, declared), tensors };
}

/** Drop the shape of the added outputs so ORT infers it (their rank is not known here). */
function stripOutputShapes(bytes: Uint8Array, keep: Set<string>): Uint8Array {
  const m = onnx.ModelProto.decode(bytes);
  for (const o of m.graph?.output ?? []) {
    if (keep.has(o.name ?? '')) continue;
    if (o.type?.tensorType) o.type.tensorType.shape = null;
  }
  return onnx.ModelProto.encode(m).finish();
}
