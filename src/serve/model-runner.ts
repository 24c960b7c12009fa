/**
 * Puts a Session behind the Batcher: each request contributes rows for every model input; a batch
 * concatenates them along dim 0, runs once, and splits every output back per request.
 */
import { LeptonError } from '../core/errors.js';
import { checkFeed, type EngineTensor, type Session, type TensorInfo } from '../runtime/engine.js';
import { Batcher, type BatcherOptions } from './batcher.js';

/** One request's feed: input name → tensor whose dims[0] is its row count. */
export type Feed = Record<string, EngineTensor>;
export type Outputs = Record<string, EngineTensor>;

/** Per-row element count of an input, when its non-batch dims are fixed. */
export function rowSize(info: TensorInfo): number | undefined {
  let n = 1;
  for (const d of info.shape.slice(1)) {
    if (typeof d !== 'number' || d <= 0) return undefined;
    n *= d;
  }
  return n;
}

function concat(feeds: Feed[], name: string): EngineTensor {
  if (feeds.length === 1) return feeds[0]![name]!;
  let total = 0;
  let rows = 0;
  for (const f of feeds) {
    total += f[name]!.data.length;
    rows += f[name]!.dims[0]!;
  }
  const data = new Float32Array(total); // [sum rows, ...row dims]
  let off = 0;
  for (const f of feeds) {
    data.set(f[name]!.data, off);
    off += f[name]!.data.length;
  }
  return { data, dims: [rows, ...feeds[0]![name]!.dims.slice(1)] };
}

function split(out: EngineTensor, rowCounts: number[], totalRows: number): EngineTensor[] {
  // An output without the batch dim (a constant, say) goes whole to every request.
  if (out.dims[0] !== totalRows) return rowCounts.map(() => out);
  const per = totalRows === 0 ? 0 : out.data.length / totalRows;
  const rest = out.dims.slice(1);
  let off = 0;
  return rowCounts.map((r) => {
    const t = { data: out.data.subarray(off * per, (off + r) * per), dims: [r, ...rest] };
    off += r;
    return t;
  });
}

export class ModelRunner {
  readonly batcher: Batcher<Feed, Outputs>;
  private readonly first: string;
  /** Rows of the engine run each answer came from (keyed by the answer object, so nothing is kept once it is dropped). */
  private readonly batchRows = new WeakMap<Outputs, number>();

  constructor(
    readonly session: Session,
    options: BatcherOptions,
  ) {
    const first = session.inputs[0];
    if (!first) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'the model has no inputs');
    this.first = first.name;
    this.batcher = new Batcher<Feed, Outputs>((feeds) => this.runBatch(feeds), options, (f) => f[this.first]!.dims[0] ?? 1);
  }

  /** Queue one request's rows; resolves with its slice of every output. */
  predict(feed: Feed, timeoutMs?: number): Promise<Outputs> {
    // Check each request alone, so one bad request can never fail the batch it would join.
    checkFeed(this.session.inputs, feed);
    // checkFeed judges each input alone (and that none is missing); batching along dim 0 also needs them to agree on rows.
    const rows = feed[this.first]!.dims[0];
    if (this.session.inputs.some((info) => feed[info.name]!.dims[0] !== rows)) {
      throw new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', 'all inputs must have the same number of rows');
    }
    return this.batcher.submit(feed, timeoutMs);
  }

  /** Rows in the batch that computed `outputs` (a `predict` answer), for the `x-lepton-batch-size` header. */
  batchRowsOf(outputs: Outputs): number | undefined {
    return this.batchRows.get(outputs);
  }

  private async runBatch(feeds: Feed[]): Promise<Outputs[]> {
    const rowCounts = feeds.map((f) => f[this.first]!.dims[0]!);
    const totalRows = rowCounts.reduce((a, b) => a + b, 0);
    const merged: Feed = {};
    for (const info of this.session.inputs) merged[info.name] = concat(feeds, info.name);
    const out = await this.session.run(merged);
    const per: Outputs[] = feeds.map(() => ({}));
    for (const [name, t] of Object.entries(out)) {
      split(t, rowCounts, totalRows).forEach((s, i) => (per[i]![name] = s));
    }
    for (const p of per) this.batchRows.set(p, totalRows);
    return per;
  }
}
