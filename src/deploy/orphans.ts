/**
 * Reap replicas of a previous run that died without cleanup (kill -9 of `lep up`): every replica is
 * recorded in the store when it is spawned, with its pid and kernel start time, so on the next
 * start anything recorded that still runs is stopped: SIGTERM (it drains), SIGKILL after the
 * grace period. A pid is only ever signalled while its start time still matches the record, so a
 * pid reused by another process is left alone. Records are cleared once their process is gone.
 * Replicas normally end themselves first through their lifeline (src/serve/lifeline.ts); this is
 * the backstop for whatever outlived it.
 */
import { procStartTicks } from './replica-process.js';
import { type ReplicaRow, type Store } from './store.js';

const GIVE_UP_AFTER_KILL_MS = 5000;

export interface ReapOptions {
  /** SIGTERM grace before SIGKILL. */
  graceMs: number;
  /** Poll period while waiting for the processes to exit. Default 50 ms. */
  pollMs?: number;
}

/** A handle on a running reap: `done` settles when every recorded process is gone and its record cleared. */
export interface Reaping {
  done: Promise<void>;
  /** Stop waiting out the grace period: SIGKILL what is left now. */
  hurry(): void;
}

/** True while `r` names the very process that was recorded (same pid, same start time). */
function stillRuns(r: ReplicaRow): boolean {
  return r.pid !== null && r.procStart !== null && procStartTicks(r.pid) === r.procStart;
}

function signal(r: ReplicaRow, sig: NodeJS.Signals): boolean {
  if (!stillRuns(r)) return false;
  try {
    process.kill(r.pid!, sig);
    return true;
  } catch {
    return false; // gone in between
  }
}

/** Start reaping the replicas recorded in `store` (none of which belong to this run yet). */
export function reapOrphans(store: Store, options: ReapOptions): Reaping {
  const pending: ReplicaRow[] = [];
  for (const r of store.listReplicas()) {
    if (signal(r, 'SIGTERM')) {
      store.addEvent({ deployment: r.deployment, replica: r.id, type: 'orphan-stopped', message: `pid ${r.pid} from a previous run` });
      pending.push(r);
    } else {
      store.deleteReplica(r.id);
    }
  }
  let hurry = (): void => {};
  const done = new Promise<void>((resolve) => {
    if (pending.length === 0) return resolve();
    const killAt = Date.now() + options.graceMs;
    const tick = (): void => {
      const late = Date.now() >= killAt;
      for (let i = pending.length - 1; i >= 0; i--) {
        const r = pending[i]!;
        if (late && signal(r, 'SIGKILL')) continue;
        if (stillRuns(r)) continue;
        pending.splice(i, 1);
        if (store.db.open) store.deleteReplica(r.id);
      }
      // Something SIGKILL cannot end (stuck in the kernel): keep its record for the next start.
      if (pending.length === 0 || Date.now() >= killAt + GIVE_UP_AFTER_KILL_MS) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, options.pollMs ?? 50);
    timer.unref();
    hurry = (): void => {
      for (const r of pending) signal(r, 'SIGKILL');
      tick();
    };
  });
  return { done, hurry: () => hurry() };
}
