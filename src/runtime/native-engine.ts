/**
 * The native engine: interprets an ONNX graph with our own tensor code (src/tensor), for hosts
 * where the onnxruntime binary is unwanted. Supports the operators our exporter and quantizer emit;
 * anything else is refused at load with LEPTON_ERR_UNSUPPORTED naming the operator.
 */
import { LeptonError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { readModel, float16ToFloat32, type OnnxNode, type OnnxTensor } from '../onnx/reader.js';
import { Tensor, noGrad } from '../tensor/index.js';
import { checkFeed, checkModelBytes, type Engine, type EngineLoadOptions, type EngineTensor, type Session, type TensorInfo } from './engine.js';
import { NATIVE_OPS, runOp, type Value } from './native-ops.js';

function toValue(t: OnnxTensor): Value {
  let data: Float32Array;
  if (t.data instanceof Float32Array) data = t.data;
  else if (t.dtype === 'float16') data = float16ToFloat32(t.data as Uint16Array);
  else if (t.data instanceof BigInt64Array) data = Float32Array.from(t.data, Number);
  else data = Float32Array.from(t.data as ArrayLike<number>);
  return { t: new Tensor(data, t.dims), dtype: t.dtype === 'float16' || t.dtype === 'float64' ? 'float32' : t.dtype };
}

class NativeSession implements Session {
  readonly executionProvider = 'cpu' as const;

  constructor(
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
    private readonly constants: Map<string, Value>,
    private readonly nodes: OnnxNode[],
  ) {}

  async run(feed: Record<string, EngineTensor>): Promise<Record<string, EngineTensor>> {
    checkFeed(this.inputs, feed);
    return noGrad(() => {
      const env = new Map(this.constants);
      for (const [name, t] of Object.entries(feed)) env.set(name, { t: new Tensor(t.data, t.dims), dtype: 'float32' });
      for (const node of this.nodes) {
        const ins = node.inputs.map((n) => (n === '' ? undefined : env.get(n)));
        let outs: Value[];
        try {
          outs = runOp(node, ins);
        } catch (err) {
          if (err instanceof LeptonError && err.code !== 'LEPTON_ERR_SHAPE_MISMATCH') throw err;
          throw new LeptonError('LEPTON_ERR_ENGINE', `native engine: ${node.opType} (${node.name}) failed: ${(err as Error).message}`, { cause: err });
        }
        node.outputs.forEach((name, k) => {
          const v = outs[k];
          if (name !== '' && v) env.set(name, v);
        });
      }
      const result: Record<string, EngineTensor> = {};
      for (const o of this.outputs) {
        const v = env.get(o.name);
        if (!v) throw new LeptonError('LEPTON_ERR_ENGINE', `native engine: graph output '${o.name}' was not produced`);
        result[o.name] = { data: v.t.data, dims: [...v.t.shape] };
      }
      return result;
    });
  }

  async close(): Promise<void> {
    this.constants.clear();
  }
}

export const nativeEngine: Engine = {
  name: 'native',
  async load(model: Uint8Array, options: EngineLoadOptions = {}): Promise<Session> {
    checkModelBytes(model);
    const log = options.logger ?? silentLogger;
    const m = readModel(model);
    const domainOk = (d: string): boolean => d === '' || d === 'ai.onnx';
    const missing = [...new Set(m.graph.nodes.filter((n) => !domainOk(n.domain) || !NATIVE_OPS.has(n.opType)).map((n) => (n.domain ? `${n.domain}.${n.opType}` : n.opType)))];
    if (missing.length > 0) {
      throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `the native engine does not support operator(s) ${missing.join(', ')}; use the ort engine`, { details: { ops: missing } });
    }
    const constants = new Map<string, Value>();
    for (const [name, t] of m.graph.initializers) constants.set(name, toValue(t));
    const nodes: OnnxNode[] = [];
    for (const n of m.graph.nodes) {
      if (n.opType === 'Constant') {
        const a = n.attrs['value'];
        if (a?.type !== 'tensor') throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `native engine: Constant ${n.name} without a 'value' tensor`);
        constants.set(n.outputs[0]!, toValue(a.value));
      } else {
        nodes.push(n);
      }
    }
    if (options.executionProvider === 'cuda') log.warn({ engine: 'native' }, 'native engine: CUDA was requested; it runs on the CPU');
    log.info({ engine: 'native', executionProvider: 'cpu' }, 'native engine: using the CPU (our tensor kernels)');
    const info = (v: { name: string; dtype: string; shape: Array<number | string> }): TensorInfo => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] });
    return new NativeSession(m.graph.inputs.map(info), m.graph.outputs.map(info), constants, nodes);
  },
};
