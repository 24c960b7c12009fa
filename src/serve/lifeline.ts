/**
 * A supervised replica's lifeline: a replica must never outlive the supervisor that spawned it.
 * It is held from the moment the process starts — serve/replica-main.ts takes it before the
 * server, engine or model load, and serve/replica.ts then hands it its graceful stop (`lep photon
 * run` does the same) — so a supervisor killed (-9) while its replicas are still starting leaves
 * none running. Either signal is enough: the IPC channel the supervisor opened closes (its end
 * died with it), or our parent is no longer the supervisor named in LEPTON_SUPERVISOR_PID (we
 * were re-parented). A loss that happened before the lifeline was held is noticed at once. One
 * lifeline per process: holding it again only replaces what is done when it is lost.
 */

/** Set by the supervisor on the replicas it spawns: its own pid. */
export const SUPERVISOR_PID_ENV = 'LEPTON_SUPERVISOR_PID';

export interface LifelineOptions {
  /** How often the parent pid is checked. Default 250 ms. */
  pollMs?: number;
  /** Where LEPTON_SUPERVISOR_PID is read. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

let onLostNow: ((why: string) => void) | undefined;
let held = false;

/**
 * Call `onLost` (once) when the supervisor is gone; returns whether a lifeline is held. A process
 * with neither an IPC channel nor LEPTON_SUPERVISOR_PID (a `lep photon run` typed by hand, a
 * container's replica) holds none. Neither the channel nor the poll keeps the process alive by itself.
 */
export function holdLifeline(onLost: (why: string) => void, options: LifelineOptions = {}): boolean {
  onLostNow = onLost;
  if (held) return true;
  const supervisor = Number((options.env ?? process.env)[SUPERVISOR_PID_ENV]);
  const watchPid = Number.isInteger(supervisor) && supervisor > 0;
  const ipc = process.send !== undefined;
  if (!watchPid && !ipc) return false;
  held = true;
  let lostAlready = false;
  const lost = (): void => {
    if (lostAlready) return;
    lostAlready = true;
    clearInterval(timer);
    onLostNow?.('supervisor-exit');
  };
  const parentGone = (): boolean => watchPid && process.ppid !== supervisor;
  if (ipc) {
    process.once('disconnect', lost);
    process.channel?.unref(); // the channel alone must not keep a finished process alive
  }
  const timer = setInterval(() => {
    if (parentGone()) lost();
  }, options.pollMs ?? 250);
  timer.unref();
  // Already gone before we got here: the 'disconnect' event (if any) fired with no listener.
  if ((ipc && !process.connected) || parentGone()) queueMicrotask(lost);
  return true;
}
