/**
 * Start a threads-transport group: one worker thread per rank, each running an entry module that
 * calls `runThreadRank`. The launcher watches them: the first rank that throws or exits aborts the
 * group (ranks blocked in a collective stop at once) and the others are terminated, so a failure
 * surfaces as one error naming the rank that caused it, never as a hang.
 */
import { type Worker, parentPort, workerData } from 'node:worker_threads';
import { startModuleWorker } from '../core/worker.js';
import { LeptonError, type ErrorCode, ERROR_STATUS } from '../core/errors.js';
import { ThreadGroup, abortThreadGroup, createThreadGroupShared, type ThreadGroupShared } from './thread-group.js';

export interface LaunchThreadsOptions<D> {
  worldSize: number;
  /** Module each worker imports; it must call `runThreadRank` at top level. */
  entry: URL;
  /** Handed to every rank (structured clone; SharedArrayBuffers inside are shared). */
  data: D;
  /** Floats per shared slot (default 1M = 4 MiB). */
  capacity?: number;
  /** Longest wait inside one collective (default 120 s). */
  timeoutMs?: number;
  /** Messages a rank sends with `post` (progress lines, for instance). */
  onMessage?: (rank: number, message: unknown) => void;
}

interface RankData<D> {
  shared: ThreadGroupShared;
  rank: number;
  data: D;
}

type FromRank = { kind: 'message'; message: unknown } | { kind: 'result'; value: unknown } | { kind: 'error'; code: string; message: string };



function toError(rank: number, code: string, message: string): LeptonError {
  return Object.hasOwn(ERROR_STATUS, code) ? new LeptonError(code as ErrorCode, message) : new LeptonError('LEPTON_ERR_INTERNAL', `rank ${rank} failed: ${message}`);
}

/** How one rank ended: its result, or its error (terminated ranks report PEER_LOST). */
export type RankOutcome<R> = { ok: true; value: R } | { ok: false; error: LeptonError };

/**
 * Run `worldSize` ranks until all have ended. The first failure aborts the group at once (ranks
 * waiting in a collective throw PEER_LOST naming the failed rank); ranks still busy after `graceMs`
 * (default 2 s) are terminated. `failedFirst` is the rank whose failure came first, if any.
 */
export function launchThreadsSettled<D, R>(o: LaunchThreadsOptions<D> & { graceMs?: number }): Promise<{ outcomes: RankOutcome<R>[]; failedFirst: number | null }> {
  const shared = createThreadGroupShared(o.worldSize, o.capacity, o.timeoutMs);
  const outcomes = new Array<RankOutcome<R> | undefined>(o.worldSize);
  const workers: Worker[] = [];
  let failedFirst: number | null = null;
  let grace: NodeJS.Timeout | undefined;
  return new Promise((resolve) => {
    let exited = 0;
    const settle = (rank: number, out: RankOutcome<R>): void => {
      if (outcomes[rank]) return;
      outcomes[rank] = out;
      if (out.ok || failedFirst !== null) return;
      failedFirst = rank;
      abortThreadGroup(shared, rank);
      grace = setTimeout(() => workers.forEach((w, r) => !outcomes[r] && void w.terminate()), o.graceMs ?? 2000);
    };
    for (let rank = 0; rank < o.worldSize; rank++) {
      const rankData: RankData<D> = { shared, rank, data: o.data };
      const w = startModuleWorker(o.entry, { workerData: rankData });
      workers.push(w);
      w.on('message', (m: FromRank) => {
        if (m.kind === 'message') o.onMessage?.(rank, m.message);
        else if (m.kind === 'result') settle(rank, { ok: true, value: m.value as R });
        else settle(rank, { ok: false, error: toError(rank, m.code, m.message) });
      });
      w.on('error', (err) => settle(rank, { ok: false, error: new LeptonError('LEPTON_ERR_INTERNAL', `rank ${rank} failed: ${err.message}`, { cause: err }) }));
      w.on('exit', (code) => {
        settle(rank, { ok: false, error: new LeptonError('LEPTON_ERR_PEER_LOST', `rank ${rank} stopped (thread exit code ${code}) before finishing`) });
        if (++exited === o.worldSize) {
          clearTimeout(grace);
          resolve({ outcomes: outcomes as RankOutcome<R>[], failedFirst });
        }
      });
    }
  });
}

/** Run `worldSize` ranks to completion: each rank's result in rank order, or the first failure's error. */
export async function launchThreads<D, R>(o: LaunchThreadsOptions<D>): Promise<R[]> {
  const { outcomes, failedFirst } = await launchThreadsSettled<D, R>({ ...o, graceMs: 0 });
  if (failedFirst !== null) throw (outcomes[failedFirst] as { error: LeptonError }).error;
  return outcomes.map((x) => (x as { value: R }).value);
}

/**
 * The body of a threads-transport entry module: build this rank's group from workerData, run `fn`,
 * report its result (or its error) to the launcher. `post` sends a message to `onMessage`.
 */
export function runThreadRank<D, R>(fn: (group: ThreadGroup, data: D, post: (message: unknown) => void) => Promise<R> | R): void {
  const port = parentPort;
  if (!port) throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', 'runThreadRank must run in a worker started by launchThreads');
  const wd = workerData as RankData<D>;
  const group = new ThreadGroup(wd.shared, wd.rank);
  const post = (message: unknown): void => port.postMessage({ kind: 'message', message } satisfies FromRank);
  Promise.resolve()
    .then(() => fn(group, wd.data, post))
    .then(
      (value) => port.postMessage({ kind: 'result', value } satisfies FromRank),
      (err: unknown) => {
        const e = err instanceof LeptonError ? err : null;
        port.postMessage({ kind: 'error', code: e?.code ?? 'UNKNOWN', message: (err as Error)?.message ?? String(err) } satisfies FromRank);
      },
    )
    .finally(() => void group.close());
}
