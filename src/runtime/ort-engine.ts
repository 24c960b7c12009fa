/**
 * The default engine: onnxruntime-node. Its `session.run` executes on ORT's own thread pool and
 * resolves asynchronously, so the event loop keeps accepting requests while a batch computes.
 */
import * as ort from 'onnxruntime-node';
import { LeptonError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { checkFeed, checkModelBytes, type Engine, type EngineLoadOptions, type EngineTensor, type ExecutionProvider, type Session, type TensorInfo } from './engine.js';

function describe(names: readonly string[], meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return names.map((name, i) => {
    const m = meta[i];
    if (m && m.isTensor) return { name, dtype: m.type, shape: [...m.shape] };
    return { name, dtype: 'float32', shape: [] };
  });
}

/** Convert our float32 feed to the dtype the model declares (int inputs are rare but legal). */
function toOrt(info: TensorInfo, t: EngineTensor): ort.Tensor {
  switch (info.dtype) {
    case 'float32':
      return new ort.Tensor('float32', t.data, t.dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(Math.trunc(v))), t.dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(t.data), t.dims);
    case 'uint8':
      return new ort.Tensor('uint8', Uint8Array.from(t.data), t.dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(t.data), t.dims);
    default:
      throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `input '${info.name}' has dtype ${info.dtype}, which the server cannot feed`);
  }
}

function fromOrt(t: ort.Tensor): EngineTensor {
  const dims = [...t.dims];
  if (t.data instanceof Float32Array) return { data: t.data, dims };
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) return { data: Float32Array.from(t.data, Number), dims };
  if (ArrayBuffer.isView(t.data)) return { data: Float32Array.from(t.data as unknown as ArrayLike<number>), dims };
  throw new LeptonError('LEPTON_ERR_UNSUPPORTED', `output of type ${t.type} cannot be returned as numbers`);
}

class OrtSession implements Session {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  private readonly byName: Map<string, TensorInfo>;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly executionProvider: ExecutionProvider,
  ) {
    this.inputs = describe(session.inputNames, session.inputMetadata);
    this.outputs = describe(session.outputNames, session.outputMetadata);
    this.byName = new Map(this.inputs.map((i) => [i.name, i]));
  }

  async run(inputs: Record<string, EngineTensor>): Promise<Record<string, EngineTensor>> {
    checkFeed(this.inputs, inputs);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) feeds[name] = toOrt(this.byName.get(name)!, t);
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run(feeds);
    } catch (err) {
      throw new LeptonError('LEPTON_ERR_ENGINE', `inference failed: ${(err as Error).message}`, { cause: err });
    }
    const result: Record<string, EngineTensor> = {};
    for (const [name, t] of Object.entries(out)) result[name] = fromOrt(t);
    return result;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

function loadError(err: unknown): LeptonError {
  const msg = (err as Error).message ?? String(err);
  const op = /No Op registered for (\S+)/.exec(msg)?.[1];
  if (op !== undefined || /not implemented|could not find an implementation/i.test(msg)) {
    const what = op === undefined ? 'an operator in this model' : `operator ${op}`;
    return new LeptonError('LEPTON_ERR_UNSUPPORTED', `onnxruntime does not support ${what}: ${msg}`, { cause: err, details: op === undefined ? {} : { op } });
  }
  if (/protobuf|parse|invalid model/i.test(msg)) return new LeptonError('LEPTON_ERR_CORRUPT_FILE', `not a valid ONNX model: ${msg}`, { cause: err });
  return new LeptonError('LEPTON_ERR_ENGINE', `onnxruntime failed to load the model: ${msg}`, { cause: err });
}

/** Whether this onnxruntime-node build ships the CUDA provider. */
export function cudaAvailable(): boolean {
  return ort.listSupportedBackends().some((b) => b.name === 'cuda' && b.bundled);
}

export const ortEngine: Engine = {
  name: 'ort',
  async load(model: Uint8Array, options: EngineLoadOptions = {}): Promise<Session> {
    checkModelBytes(model);
    const log = options.logger ?? silentLogger;
    if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
      throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `threads must be a positive integer, got ${options.threads}`);
    }
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    };
    if (options.executionProvider === 'cuda') {
      if (cudaAvailable()) {
        try {
          const s = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cuda', 'cpu'] });
          log.info({ engine: 'ort', executionProvider: 'cuda' }, 'onnxruntime: using the CUDA execution provider');
          return new OrtSession(s, 'cuda');
        } catch (err) {
          log.warn({ engine: 'ort', err: (err as Error).message }, 'onnxruntime: CUDA provider failed to start; using the CPU');
        }
      } else {
        log.warn({ engine: 'ort' }, 'onnxruntime: CUDA was requested but this build has no CUDA provider; using the CPU');
      }
    }
    let s: ort.InferenceSession;
    try {
      s = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cpu'] });
    } catch (err) {
      throw loadError(err);
    }
    log.info({ engine: 'ort', executionProvider: 'cpu', threads: options.threads ?? 'auto' }, 'onnxruntime: using the CPU execution provider');
    return new OrtSession(s, 'cpu');
  },
};
