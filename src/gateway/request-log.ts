/**
 * The last requests of a deployment, for the console's "recent requests" list (issue 18): a fixed
 * ring buffer per deployment (200 by default), so memory stays bounded under any load and writing
 * one costs an array store. Each record says when, how it ended, how long the gateway took, which
 * replica answered and the batch it rode in (the replica's `x-lepton-batch-size` header: the rows
 * of the engine run that computed it, so a request served alone says 1).
 */

/** The header a model server sets on a prediction: the rows of the batch that computed it. */
export const BATCH_HEADER = 'x-lepton-batch-size';

export interface RequestRecord {
  /** Start, ms since the epoch. */
  t: number;
  method: string;
  /** The path inside the deployment (`/predict`, `/v2/models/…/infer`). */
  path: string;
  /** The status sent; 0 when the client left before any answer. */
  status: number;
  /** Gateway time, first byte in to last byte out, ms. */
  ms: number;
  /** The replica that answered (the gateway's id); null when none did (refused, no replica, deadline). */
  replica: string | null;
  /** Rows in the engine batch that computed this answer; null when the replica did not say. */
  batch: number | null;
  /** `stable`, or the canary revision that served it. */
  revision: string;
  /** True when the answer did not reach its end (the client went away, the replica failed mid-answer). */
  aborted: boolean;
}

/** What the proxy learns about one request while forwarding it. */
export interface RequestTrace {
  replica: string | null;
  batch: number | null;
}

/** The batch size a replica reported; null for a missing or malformed header. */
export function parseBatchHeader(v: string | string[] | undefined): number | null {
  const n = typeof v === 'string' && /^[0-9]{1,7}$/.test(v) ? Number(v) : NaN;
  return n >= 1 ? n : null;
}

export class RequestLog {
  private readonly ring: Array<RequestRecord | undefined>;
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 200) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError('capacity must be a positive integer');
    this.ring = new Array<RequestRecord | undefined>(capacity);
  }

  push(r: RequestRecord): void {
    this.ring[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** The records held, newest first (at most `limit`). */
  list(limit = this.capacity): RequestRecord[] {
    const out: RequestRecord[] = [];
    const n = Math.min(limit, this.count);
    for (let i = 1; i <= n; i++) out.push(this.ring[(this.next - i + this.capacity) % this.capacity]!);
    return out;
  }
}
