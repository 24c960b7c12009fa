/**
 * The one ONNX op table: ONNX operator → tensor ops on src/tensor. The native engine runs graphs
 * through it (under noGrad) and compress trains graphs through it (with autograd), so an operator
 * is written once and works in both. To add one: write its entry in a family file here and list it below.
 */
import { LeptonError } from '../../core/errors.js';
import { type AttrNode } from './attributes.js';
import { Relu, Sigmoid, Tanh } from './activations.js';
import { Add, Div, Mul, Sub } from './arithmetic.js';
import { BatchNormalization } from './batchnorm.js';
import { Cast } from './cast.js';
import { Conv } from './conv.js';
import { Gemm, MatMul } from './gemm.js';
import { AveragePool, MaxPool } from './pool.js';
import { ConvInteger, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, QuantizeLinear } from './quantize.js';
import { Constant, Dropout, Flatten, Identity, Reshape, Transpose } from './shape.js';
import { Softmax } from './softmax.js';
import { GRU, LSTM, RNN } from './recurrent.js';
import { Gather } from './gather.js';
import { Concat, ConstantOfShape, Shape, Slice, Squeeze, Unsqueeze } from './slicing.js';
import { Clip, GlobalAveragePool, HardSigmoid, HardSwish } from './light.js';
import { type OpEntry, type OpValue } from './types.js';

export { f32, valueOf, type OpEntry, type OpValue } from './types.js';
export type { AttrNode } from './attributes.js';

const ENTRIES: readonly OpEntry[] = [
  Identity, Dropout, Flatten, Reshape, Transpose, Constant, Cast,
  Relu, Sigmoid, Tanh, Add, Sub, Mul, Div, Softmax,
  MatMul, Gemm, Conv, MaxPool, AveragePool, BatchNormalization,
  QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, ConvInteger,
  RNN, LSTM, GRU, Gather, Shape, ConstantOfShape, Unsqueeze, Squeeze, Concat, Slice,
  Clip, HardSwish, HardSigmoid, GlobalAveragePool,
];

/** opType → entry, for the default ONNX domain. */
export const OP_TABLE: ReadonlyMap<string, OpEntry> = new Map(ENTRIES.map((e) => [e.opType, e]));

const isDefaultDomain = (domain: string | undefined): boolean => !domain || domain === 'ai.onnx';

/** The entry for a node's operator, or undefined when the table has none (other domains included). */
export function findOp(opType: string, domain?: string): OpEntry | undefined {
  return isDefaultDomain(domain) ? OP_TABLE.get(opType) : undefined;
}

/** The entry for a node's operator; LEPTON_ERR_UNSUPPORTED naming it when there is none. */
export function opEntry(node: { opType: string; domain?: string | undefined }): OpEntry {
  const e = findOp(node.opType, node.domain);
  if (!e) {
    const op = isDefaultDomain(node.domain) ? node.opType : `${node.domain}.${node.opType}`;
    throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `operator ${op} is not supported`, { details: { op } });
  }
  return e;
}

/** Operators of a graph the table lacks, as `domain.op` for non-default domains; empty when all run. */
export function missingOps(nodes: Iterable<{ opType: string; domain?: string | undefined }>): string[] {
  const missing = new Set<string>();
  for (const n of nodes) if (!findOp(n.opType, n.domain)) missing.add(isDefaultDomain(n.domain) ? n.opType : `${n.domain}.${n.opType}`);
  return [...missing];
}

/** Run one node through its entry. */
export function runOp(node: AttrNode & { domain?: string | undefined }, inputs: ReadonlyArray<OpValue | undefined>): OpValue[] {
  return opEntry(node).run(inputs, node);
}
