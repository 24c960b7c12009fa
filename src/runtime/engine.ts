/**
 * The `Engine` interface every inference backend implements (ort, native), the engine-neutral
 * tensor exchange type, and the input checks all engines share so they reject bad input alike.
 */
import { LeptonError } from '../core/errors.js';
import { type Logger } from '../core/logger.js';

/** A dense float32 tensor crossing the engine boundary. Row-major; `dims` may be [] for a scalar. */
export interface EngineTensor {
  data: Float32Array;
  dims: number[];
}

/** One model input or output: dims are numbers, or a symbol (e.g. 'N') for a dynamic dimension. */
export interface TensorInfo {
  name: string;
  /** ONNX element type as ORT names it: 'float32', 'int64', 'uint8', ... */
  dtype: string;
  shape: Array<number | string>;
}

export type ExecutionProvider = 'cpu' | 'cuda';

export interface EngineLoadOptions {
  /** Intra-op threads. Default: the engine's choice (ORT: one per core). */
  threads?: number;
  /** Preferred execution provider. Default 'cpu'; 'cuda' falls back to CPU with a log line. */
  executionProvider?: ExecutionProvider;
  logger?: Logger;
}

export interface Session {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** The provider actually in use after fallbacks. */
  readonly executionProvider: ExecutionProvider;
  /** Run one (possibly batched) inference. Outputs are returned as float32. */
  run(inputs: Record<string, EngineTensor>): Promise<Record<string, EngineTensor>>;
  /** Free native resources; the session is unusable afterwards. */
  close(): Promise<void>;
}

export interface Engine {
  readonly name: string;
  /** Load ONNX model bytes. Corrupt bytes → LEPTON_ERR_CORRUPT_FILE; unknown ops → LEPTON_ERR_UNSUPPORTED. */
  load(model: Uint8Array, options?: EngineLoadOptions): Promise<Session>;
}

/** Engines take model bytes only; anything else is a caller mistake, not an engine failure. */
export function checkModelBytes(model: unknown): asserts model is Uint8Array {
  if (!(model instanceof Uint8Array) || model.length === 0) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'engine.load needs the ONNX model as non-empty bytes (Uint8Array)');
  }
}

/** Number of elements a shape holds. */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * Validate a feed against the session's declared inputs: every input present, no extras, rank and
 * fixed dims equal, element count consistent. Symbolic dims accept any positive size.
 */
export function checkFeed(declared: readonly TensorInfo[], feed: Record<string, EngineTensor>): void {
  for (const name of Object.keys(feed)) {
    if (!declared.some((d) => d.name === name)) {
      throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `unknown input '${name}'; the model takes ${declared.map((d) => `'${d.name}'`).join(', ')}`);
    }
  }
  for (const info of declared) {
    const t = feed[info.name];
    if (!t) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `missing input '${info.name}'`);
    const want = info.shape.map((d) => (typeof d === 'number' && d > 0 ? d : '?'));
    const mismatch =
      (info.shape.length > 0 && t.dims.length !== info.shape.length) ||
      t.dims.some((d, i) => !Number.isInteger(d) || d < 0 || (typeof want[i] === 'number' && want[i] !== d));
    if (mismatch) {
      throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `input '${info.name}' has shape [${t.dims.join(', ')}], expected [${want.join(', ')}]`, {
        details: { input: info.name, expected: want, got: t.dims },
      });
    }
    if (t.data.length !== sizeOf(t.dims)) {
      throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `input '${info.name}' has ${t.data.length} values, shape [${t.dims.join(', ')}] needs ${sizeOf(t.dims)}`);
    }
  }
}
