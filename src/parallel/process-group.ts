/**
 * The process-group contract every transport (threads, tcp) implements: the three collectives
 * data-parallel training needs. One conformance suite (process-group.conformance.ts) holds each
 * transport to it, so the trainer never knows which one it runs on.
 */
import { LeptonError } from '../core/errors.js';

export type ReduceOp = 'sum' | 'mean';
export type TransportName = 'threads' | 'tcp';

/**
 * A fixed set of `worldSize` ranks. Collectives work in place on Float32Arrays and must be issued
 * in the same order, with the same lengths, on every rank (as in NCCL and torch.distributed).
 * Several may be in flight at once; each settles when its own data is final.
 */
export interface ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly transport: TransportName;
  /** Every rank ends with the elementwise sum (or mean: the sum divided by worldSize) of all ranks' `data`. */
  allReduce(data: Float32Array, op?: ReduceOp): Promise<void>;
  /** Every rank ends with `root`'s `data`. */
  broadcast(data: Float32Array, root?: number): Promise<void>;
  /** Settles once every rank has called it. */
  barrier(): Promise<void>;
  /** Release sockets, threads' views and timers. Idempotent. */
  close(): Promise<void>;
}

/** A rank died, closed its connections, or was reported dead by another rank. */
export function peerLost(rank: number, why: string): LeptonError {
  return new LeptonError('LEPTON_ERR_PEER_LOST', `rank ${rank} ${why}`, { details: { rank } });
}

/** A collective waited longer than the group's timeout: a rank is stuck or unreachable. */
export function collectiveTimeout(what: string, ms: number, ranks: readonly number[]): LeptonError {
  const who = ranks.length === 1 ? `rank ${ranks[0]}` : `ranks ${ranks.join(', ')}`;
  return new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `${what} timed out after ${(ms / 1000).toFixed(1)} s waiting for ${who}`, {
    details: { ranks: [...ranks] },
  });
}

/** [start, end) of part `i` of `n` values cut into `parts` nearly equal parts (the first ones shorter). */
export function partRange(n: number, parts: number, i: number): [number, number] {
  return [Math.floor((i * n) / parts), Math.floor(((i + 1) * n) / parts)];
}

export function checkRank(rank: number, worldSize: number, what = 'rank'): void {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `world size must be an integer ≥ 1, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `${what} must be an integer in [0, ${worldSize}), got ${rank}`);
  }
}

/** The group of one: every collective is the identity. Single-process runs share the parallel code path through it. */
export function soloGroup(): ProcessGroup {
  return {
    rank: 0,
    worldSize: 1,
    transport: 'threads',
    allReduce: async () => {},
    broadcast: async () => {},
    barrier: async () => {},
    close: async () => {},
  };
}
