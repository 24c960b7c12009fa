/**
 * The tcp transport: ranks are processes (on one machine or many) joined in a ring. All-reduce is
 * the bandwidth-optimal ring algorithm: reduce-scatter, then all-gather, each W−1 steps moving one
 * W-th of the tensor, cut into frames of at most `chunkBytes`. A rank that dies closes its sockets;
 * whoever notices tells every link why before closing its own, so all ranks fail with an error that
 * names the dead rank. A rank that hangs is caught by the collective timeout.
 */
import { LeptonError, type ErrorCode, ERROR_STATUS } from '../core/errors.js';
import { type ProcessGroup, type ReduceOp, checkRank, collectiveTimeout, partRange, peerLost } from './process-group.js';
import { checkSecret } from './tcp-auth.js';
import { type RendezvousOptions, rendezvous } from './tcp-rendezvous.js';
import { type Link, payloadFloats } from './tcp-wire.js';

export interface TcpGroupOptions extends Omit<RendezvousOptions, 'secret'> {
  /** Shared by all ranks (≥ 16 bytes); only HMACs of nonces under it cross the wire. */
  secret: string | Uint8Array;
  /** Longest wait inside one collective (default 120 s). */
  collectiveTimeoutMs?: number;
  /** Largest data frame (default 1 MiB). */
  chunkBytes?: number;
}

/** Parts of one step: frame index k of step s travels as part s·2¹⁶ + k. */
const PARTS_PER_STEP = 1 << 16;

function field(v: unknown, name: string): unknown {
  return v && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined;
}

/** Rendezvous at the master, build the ring, and check it with one barrier. */
export async function connectTcpGroup(o: TcpGroupOptions): Promise<TcpGroup> {
  checkRank(o.rank, o.worldSize);
  const secret = o.worldSize > 1 ? checkSecret(o.secret) : Buffer.alloc(0);
  const links = await rendezvous({ ...o, secret });
  const g = new TcpGroup(o.rank, o.worldSize, links.control, links.next, links.prev, o.collectiveTimeoutMs ?? 120_000, o.chunkBytes ?? 2 ** 20);
  await g.barrier();
  return g;
}

export class TcpGroup implements ProcessGroup {
  readonly transport = 'tcp';
  private nextOp = 1;
  private failed: LeptonError | null = null;
  private closed = false;
  private readonly links: Link[];
  private readonly chunkFloats: number;

  constructor(
    readonly rank: number,
    readonly worldSize: number,
    control: Map<number, Link>,
    private readonly next: Link | null,
    private readonly prev: Link | null,
    private readonly timeoutMs: number,
    chunkBytes: number,
  ) {
    this.chunkFloats = Math.max(1, Math.floor(chunkBytes / 4));
    this.links = [...control.values(), ...(next ? [next] : []), ...(prev ? [prev] : [])];
    for (const link of this.links) {
      link.onLost = (err) => this.fail(err instanceof LeptonError ? err : peerLost(link.peer ?? -1, err.message));
      link.listen((m) => this.onMessage(link, m));
    }
  }

  async allReduce(data: Float32Array, op: ReduceOp = 'sum'): Promise<void> {
    this.check();
    const id = this.nextOp++;
    if (this.worldSize === 1) return;
    await this.timed('all-reduce', this.ringAllReduce(id, data, op));
  }

  async broadcast(data: Float32Array, root = 0): Promise<void> {
    checkRank(root, this.worldSize, 'broadcast root');
    this.check();
    const id = this.nextOp++;
    if (this.worldSize === 1) return;
    await this.timed('broadcast', this.ringBroadcast(id, data, root));
  }

  async barrier(): Promise<void> {
    await this.allReduce(new Float32Array(1));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.failed) return; // fail() already told every peer and closed every link
    for (const link of this.links) {
      link.sendJson({ type: 'bye', rank: this.rank });
      link.close();
    }
  }

  private check(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'process group is closed');
  }

  /** First failure wins: remember it, tell every peer why, close every link. */
  private fail(err: LeptonError): void {
    if (this.failed || this.closed) return;
    this.failed = err;
    for (const link of this.links) {
      link.sendJson({ type: 'abort', code: err.code, message: err.message });
      link.failAll(err);
      link.close();
    }
  }

  private onMessage(link: Link, m: unknown): void {
    const type = field(m, 'type');
    if (type === 'abort') {
      const code = String(field(m, 'code'));
      this.fail(new LeptonError(Object.hasOwn(ERROR_STATUS, code) ? (code as ErrorCode) : 'LEPTON_ERR_PEER_LOST', String(field(m, 'message'))));
    } else if (type === 'bye') {
      link.expectClose(peerLost(link.peer ?? -1, 'left the group while this rank still waited for it'));
    }
  }

  private async timed(what: string, p: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expire = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = collectiveTimeout(what, this.timeoutMs, [(this.rank - 1 + this.worldSize) % this.worldSize]);
        this.fail(err);
        reject(err);
      }, this.timeoutMs);
    });
    try {
      await Promise.race([p, expire]);
    } catch (err) {
      // A peer that left or broke the protocol ends the group for everyone: pass the reason on.
      if (err instanceof LeptonError) this.fail(err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private seg(data: Float32Array, i: number): [number, number] {
    const W = this.worldSize;
    return partRange(data.length, W, ((i % W) + W) % W);
  }

  private send(id: number, step: number, data: Float32Array, [a, b]: [number, number]): void {
    for (let k = 0, off = a; off < b; k++, off += this.chunkFloats) {
      this.next!.sendData(id, step * PARTS_PER_STEP + k, data.subarray(off, Math.min(b, off + this.chunkFloats)));
    }
  }

  /** Receive range [a, b) of step `step` from the predecessor, adding or copying it into `data`. */
  private async recv(id: number, step: number, data: Float32Array, [a, b]: [number, number], add: boolean, forward = false): Promise<void> {
    if (Math.ceil((b - a) / this.chunkFloats) >= PARTS_PER_STEP) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'tensor too large for one collective; raise chunkBytes');
    for (let k = 0, off = a; off < b; k++, off += this.chunkFloats) {
      const end = Math.min(b, off + this.chunkFloats);
      const got = payloadFloats(await this.prev!.recv(id, step * PARTS_PER_STEP + k));
      if (got.length !== end - off) {
        const err = new LeptonError('LEPTON_ERR_SHAPE_MISMATCH', `rank ${this.prev!.peer} sent ${got.length} values where ${end - off} were expected: tensor lengths differ across ranks`);
        this.fail(err);
        throw err;
      }
      if (add) for (let i = 0; i < got.length; i++) data[off + i] = data[off + i]! + got[i]!;
      else data.set(got, off);
      if (forward) this.next!.sendData(id, step * PARTS_PER_STEP + k, data.subarray(off, end));
    }
  }

  private async ringAllReduce(id: number, data: Float32Array, op: ReduceOp): Promise<void> {
    const W = this.worldSize;
    const r = this.rank;
    // Reduce-scatter: after step s, segment r−s−1 holds the sum over s+2 ranks; rank r ends owning r+1.
    for (let s = 0; s < W - 1; s++) {
      this.send(id, s, data, this.seg(data, r - s));
      await this.recv(id, s, data, this.seg(data, r - s - 1), true);
    }
    if (op === 'mean') {
      const [a, b] = this.seg(data, r + 1);
      for (let i = a; i < b; i++) data[i] = data[i]! / W;
    }
    // All-gather: pass the finished segments around the ring.
    for (let s = 0; s < W - 1; s++) {
      this.send(id, W - 1 + s, data, this.seg(data, r + 1 - s));
      await this.recv(id, W - 1 + s, data, this.seg(data, r - s), false);
    }
  }

  private async ringBroadcast(id: number, data: Float32Array, root: number): Promise<void> {
    if (this.rank === root) return this.send(id, 0, data, [0, data.length]);
    const forward = (this.rank + 1) % this.worldSize !== root;
    await this.recv(id, 0, data, [0, data.length], false, forward);
  }
}
