/**
 * The shapes shared by every op-table entry: the value that flows along graph edges, the entry
 * itself, and the small helpers entries use to read inputs and refuse what they cannot compute.
 */
import { LeptonError } from '../../core/errors.js';
import { Tensor } from '../../tensor/index.js';
import { type TensorInit } from '../builder.js';
import { float16ToFloat32 } from '../reader.js';
import { type AttrNode } from './attributes.js';

/**
 * A value on a graph edge. Data is always a float32 Tensor (so autograd applies); integer tensors
 * (quantized data, shapes) hold exact small integers, with their ONNX dtype tracked beside them
 * so quantize ops saturate to the right range.
 */
export interface OpValue {
  t: Tensor;
  dtype: string;
}

/** One ONNX operator, written once on src/tensor, run by the native engine and by graph training. */
export interface OpEntry {
  /** ONNX operator type in the default domain, e.g. 'Gemm'. */
  readonly opType: string;
  /**
   * Whether gradients flow from the outputs back to the float inputs. False for rounding and
   * integer ops (quantize, integer matmul, cast): training through the graph refuses such a node
   * when one of its inputs needs a gradient, instead of silently not training what lies before it.
   */
  readonly differentiable: boolean;
  /** Input slots that are trainable weights when fed by a float initializer (Gemm: W and C). */
  readonly weightInputs?: readonly number[];
  /**
   * Compute the outputs. `inputs` follow the node's input list; an omitted optional input ('')
   * is undefined. Runs under the caller's grad mode: the engine calls it inside noGrad.
   */
  run(inputs: ReadonlyArray<OpValue | undefined>, node: AttrNode): OpValue[];
}

export function unsupported(node: AttrNode, what: string): LeptonError {
  const at = node.name ? ` (${node.name})` : '';
  return new LeptonError('LEPTON_ERR_UNSUPPORTED', `${node.opType}${at} with ${what} is not supported`, { details: { op: node.opType } });
}

/** Input i, which the operator requires. */
export function need(inputs: ReadonlyArray<OpValue | undefined>, i: number, node: AttrNode): OpValue {
  const v = inputs[i];
  if (!v) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `${node.opType}${node.name ? ` (${node.name})` : ''} is missing input ${i}`);
  return v;
}

export const f32 = (t: Tensor): OpValue => ({ t, dtype: 'float32' });

/** An initializer or tensor attribute as a graph value (float16 and float64 compute in float32). */
export function valueOf(t: TensorInit, requiresGrad = false): OpValue {
  let data: Float32Array;
  if (t.data instanceof Float32Array) data = t.data;
  else if (t.dtype === 'float16') data = float16ToFloat32(t.data as Uint16Array);
  else if (t.data instanceof BigInt64Array) data = Float32Array.from(t.data, Number);
  else data = Float32Array.from(t.data as ArrayLike<number>);
  const dtype = t.dtype === 'float16' || t.dtype === 'float64' ? 'float32' : t.dtype;
  return { t: new Tensor(data, t.dims, requiresGrad), dtype };
}
