/**
 * The native engine: interprets an ONNX graph with our own tensor code, through the one op table
 * (src/onnx/ops), for hosts where the onnxruntime binary is unwanted. Runs under noGrad, so no
 * autograd tape is recorded. Operators the table lacks are refused at load with LEPTON_ERR_UNSUPPORTED.
 */
import { LeptonError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { readModel, type OnnxNode } from '../onnx/reader.js';
import { missingOps, opEntry, valueOf, type OpEntry, type OpValue } from '../onnx/ops/op-table.js';
import { Tensor, noGrad } from '../tensor/index.js';
import { checkFeed, checkModelBytes, type Engine, type EngineLoadOptions, type EngineTensor, type Session, type TensorInfo } from './engine.js';

interface Step {
  node: OnnxNode;
  entry: OpEntry;
}

/** Run one node; failures name the node, and shape errors inside an op become engine errors. */
function exec(step: Step, env: ReadonlyMap<string, OpValue>, out: Map<string, OpValue>): void {
  const { node, entry } = step;
  const ins = node.inputs.map((n) => (n === '' ? undefined : env.get(n)));
  let outs: OpValue[];
  try {
    outs = entry.run(ins, node);
  } catch (err) {
    if (err instanceof LeptonError && err.code !== 'LEPTON_ERR_SHAPE_MISMATCH') {
      throw new LeptonError(err.code, `native engine: ${err.message}`, { cause: err, ...(err.details ? { details: err.details } : {}) });
    }
    throw new LeptonError('LEPTON_ERR_ENGINE', `native engine: ${node.opType} (${node.name}) failed: ${(err as Error).message}`, { cause: err });
  }
  node.outputs.forEach((name, k) => {
    const v = outs[k];
    if (name !== '' && v) out.set(name, v);
  });
}

class NativeSession implements Session {
  readonly executionProvider = 'cpu' as const;

  constructor(
    readonly inputs: TensorInfo[],
    readonly outputs: TensorInfo[],
    private readonly constants: Map<string, OpValue>,
    private readonly steps: Step[],
  ) {}

  async run(feed: Record<string, EngineTensor>): Promise<Record<string, EngineTensor>> {
    checkFeed(this.inputs, feed);
    return noGrad(() => {
      const env = new Map(this.constants);
      for (const [name, t] of Object.entries(feed)) env.set(name, { t: new Tensor(t.data, t.dims), dtype: 'float32' });
      for (const step of this.steps) exec(step, env, env);
      const result: Record<string, EngineTensor> = {};
      for (const o of this.outputs) {
        const v = env.get(o.name);
        if (!v) throw new LeptonError('LEPTON_ERR_ENGINE', `native engine: graph output '${o.name}' was not produced`);
        // A constant output is shared by every run: hand out a copy the caller may keep or change.
        result[o.name] = { data: this.constants.get(o.name) === v ? v.t.data.slice() : v.t.data, dims: [...v.t.shape] };
      }
      return result;
    });
  }

  async close(): Promise<void> {
    this.constants.clear();
    this.steps.length = 0;
  }
}

export const nativeEngine: Engine = {
  name: 'native',
  async load(model: Uint8Array, options: EngineLoadOptions = {}): Promise<Session> {
    checkModelBytes(model);
    const log = options.logger ?? silentLogger;
    const m = readModel(model);
    const missing = missingOps(m.graph.nodes);
    if (missing.length > 0) {
      throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `the native engine does not support operator(s) ${missing.join(', ')}; use the ort engine`, { details: { ops: missing } });
    }
    const constants = new Map<string, OpValue>();
    for (const [name, t] of m.graph.initializers) constants.set(name, valueOf(t));
    // Nodes fed only by constants (Constant itself, weight DequantizeLinear, shape arithmetic)
    // are computed once here instead of on every run.
    const steps: Step[] = [];
    noGrad(() => {
      for (const node of m.graph.nodes) {
        const step = { node, entry: opEntry(node) };
        if (node.inputs.every((n) => n === '' || constants.has(n))) exec(step, constants, constants);
        else steps.push(step);
      }
    });
    if (options.executionProvider === 'cuda') log.warn({ engine: 'native' }, 'native engine: CUDA was requested; it runs on the CPU');
    log.info({ engine: 'native', executionProvider: 'cpu' }, 'native engine: using the CPU (our tensor kernels)');
    const info = (v: { name: string; dtype: string; shape: Array<number | string> }): TensorInfo => ({ name: v.name, dtype: v.dtype, shape: [...v.shape] });
    return new NativeSession(m.graph.inputs.map(info), m.graph.outputs.map(info), constants, steps);
  },
};
