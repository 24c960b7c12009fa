/**
 * Supervises one replica process: start it through the replica launcher (serve/replica-launcher.ts)
 * on a free loopback port with its output appended to a log file, wait for its ready message,
 * restart it with exponential backoff when it dies, flag it as crash-looping after repeated early
 * deaths, and stop it gracefully (SIGTERM, then SIGKILL). Each spawned process is reported at once
 * (pid + kernel start time) so it can be recorded before it has loaded anything; the launcher gives
 * it its lifeline (src/serve/lifeline.ts) to this process.
 */
import { type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { LeptonError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { launchReplica, type LaunchedReplica, type ReplicaSpawn } from '../serve/replica-launcher.js';
import { freePort } from './ports.js';

/**
 * How to start a replica for a photon on a port: the default is the replica entry point
 * (control-plane.ts defaultReplicaCommand); whatever runs must speak the replica protocol.
 */
export type ReplicaCommand = (a: { photon: string; port: number; host: string; replicaId: string }) => ReplicaSpawn;

export interface SupervisorOptions {
  command: ReplicaCommand;
  /** Longest wait for the ready message; the process is then killed and restarted. */
  readyTimeoutMs: number;
  /** First restart delay; doubles per consecutive early death. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A process that ran this long before dying counts as having been healthy (backoff resets). */
  stableAfterMs: number;
  /** Consecutive early deaths after which the replica is marked crash-looping (and deaths within crashLoopWindowMs after which the deployment is). */
  crashLoopThreshold: number;
  /** Window in which crashLoopThreshold deaths make a deployment CrashLooping (see phase.ts). */
  crashLoopWindowMs: number;
  /** SIGTERM grace before SIGKILL. */
  stopGraceMs: number;
  /** Log files over this size are rotated to `.1` at restart. */
  maxLogBytes: number;
}

export const DEFAULT_SUPERVISOR_OPTIONS: Omit<SupervisorOptions, 'command'> = {
  readyTimeoutMs: 60_000,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  stableAfterMs: 30_000,
  crashLoopThreshold: 5,
  crashLoopWindowMs: 10 * 60_000,
  stopGraceMs: 30_000,
  maxLogBytes: 10 * 1024 * 1024,
};

export type ReplicaState = 'starting' | 'ready' | 'restarting' | 'crash-looping' | 'draining' | 'stopped';

export interface ReplicaHooks {
  /** A process was just spawned (pid and start time known, nothing loaded yet): record it. */
  onSpawn?(r: ReplicaProcess): void;
  /** The process answers readiness: route to it. */
  onReady(r: ReplicaProcess): void;
  /** The process died unexpectedly: stop routing to it now. */
  onExit(r: ReplicaProcess, code: number | null, signal: string | null): void;
  /** Persist / report a state change. */
  onEvent(r: ReplicaProcess, type: string, message: string): void;
}

export class ReplicaProcess {
  state: ReplicaState = 'starting';
  port: number | null = null;
  restarts = 0;
  startedAt: Date | null = null;
  /** Kernel start time (clock ticks) of the current process; null where /proc is not available. */
  procStart: number | null = null;
  /** When the pending relaunch after a crash is due (epoch ms); null when none is pending. */
  nextAttemptAt: number | null = null;
  /** How long the last start took to become ready (ms); null until one has. */
  readyAfterMs: number | null = null;
  private child: ChildProcess | null = null;
  private earlyDeaths = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readyWaiters: Array<(ok: boolean) => void> = [];

  constructor(
    readonly id: string,
    readonly deployment: string,
    readonly photon: string,
    readonly logPath: string,
    private readonly options: SupervisorOptions,
    private readonly hooks: ReplicaHooks,
    private readonly log: Logger = silentLogger,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port ?? 0}`;
  }

  /** Start the process (if not running) and resolve true once ready, false if it never got there. */
  start(): Promise<boolean> {
    const p = this.whenReady();
    void this.launch();
    return p;
  }

  /** Resolves true at readiness, false when stopped or crash-looping first. */
  whenReady(): Promise<boolean> {
    if (this.state === 'ready') return Promise.resolve(true);
    if (this.state === 'stopped' || this.state === 'crash-looping') return Promise.resolve(false);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private settleWaiters(ok: boolean): void {
    for (const w of this.readyWaiters.splice(0)) w(ok);
  }

  private async launch(): Promise<void> {
    try {
      await this.spawnOnce();
    } catch (err) {
      this.hooks.onEvent(this, 'replica-spawn-failed', (err as Error).message);
      this.onChildExit(null, Date.now(), null, null);
    }
  }

  private async spawnOnce(): Promise<void> {
    if (this.stopping) return;
    this.nextAttemptAt = null;
    // A crash-looping replica stays flagged while it is retried; only readiness clears it.
    if (this.state !== 'crash-looping') this.state = this.restarts > 0 ? 'restarting' : 'starting';
    const port = await freePort();
    this.port = port;
    const fd = this.openLog();
    writeSync(fd, `--- ${new Date().toISOString()} replica ${this.id} (${this.photon}) starting on port ${port}\n`);
    let launched: LaunchedReplica;
    try {
      // The launcher opens the IPC channel (readiness, and the replica's lifeline: it stops when
      // the channel closes because this process died) and sets LEPTON_SUPERVISOR_PID, which backs
      // it up: the replica also stops once it is re-parented.
      launched = launchReplica(this.options.command({ photon: this.photon, port, host: '127.0.0.1', replicaId: this.id }), {
        output: fd,
        readyTimeoutMs: this.options.readyTimeoutMs,
      });
    } finally {
      closeSync(fd);
    }
    const child = launched.child;
    this.child = child;
    this.startedAt = new Date();
    this.procStart = child.pid === undefined ? null : procStartTicks(child.pid);
    if (child.pid !== undefined) this.hooks.onSpawn?.(this);
    const started = Date.now();
    this.hooks.onEvent(this, 'replica-starting', `pid ${child.pid ?? '?'} on port ${port}`);
    child.once('error', (err) => {
      this.log.error({ replica: this.id, err: err.message }, 'replica process error');
      // A spawn failure (e.g. ENOENT) may never emit 'exit': treat it as a death.
      if (child.pid === undefined) this.onChildExit(child, started, null, null);
    });
    child.once('exit', (code, signal) => this.onChildExit(child, started, code, signal));
    launched.ready.then(
      () => {
        if (this.child !== child || this.stopping) return;
        this.state = 'ready';
        this.readyAfterMs = Date.now() - started;
        this.hooks.onEvent(this, 'replica-ready', `ready in ${this.readyAfterMs} ms`);
        this.hooks.onReady(this);
        this.settleWaiters(true);
      },
      (err: LeptonError) => {
        // Deaths are handled on 'exit'; only a timeout (the launcher killed it) is worth its own event.
        if (err.code === 'LEPTON_ERR_NOT_READY' && this.child === child) {
          this.hooks.onEvent(this, 'replica-ready-timeout', `not ready after ${this.options.readyTimeoutMs} ms; killing it`);
        }
      },
    );
  }

  private onChildExit(child: ChildProcess | null, started: number, code: number | null, signal: string | null): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) {
      this.state = 'stopped';
      this.settleWaiters(false);
      return;
    }
    const ranMs = Date.now() - started;
    this.earlyDeaths = ranMs >= this.options.stableAfterMs ? 1 : this.earlyDeaths + 1;
    this.restarts++;
    this.hooks.onExit(this, code, signal);
    const delay = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (this.earlyDeaths - 1));
    const why = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.earlyDeaths >= this.options.crashLoopThreshold) {
      this.state = 'crash-looping';
      this.hooks.onEvent(this, 'replica-crash-looping', `died ${this.earlyDeaths} times in a row (${why}); retrying in ${delay} ms`);
      this.settleWaiters(false);
    } else {
      this.state = 'restarting';
      this.hooks.onEvent(this, 'replica-crashed', `${why} after ${ranMs} ms; restart ${this.restarts} in ${delay} ms`);
    }
    this.nextAttemptAt = Date.now() + delay;
    this.restartTimer = setTimeout(() => void this.launch(), delay);
  }

  /** Graceful stop: SIGTERM (the server drains), SIGKILL after the grace period. */
  async stop(graceMs = this.options.stopGraceMs): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.nextAttemptAt = null;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.state = 'stopped';
      this.settleWaiters(false);
      return;
    }
    this.state = 'draining';
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    this.state = 'stopped';
  }

  /** Kill at once (tests, shutdown on a second signal). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  private openLog(): number {
    try {
      if (existsSync(this.logPath) && statSync(this.logPath).size > this.options.maxLogBytes) renameSync(this.logPath, `${this.logPath}.1`);
      return openSync(this.logPath, 'a');
    } catch (err) {
      throw new LeptonError('LEPTON_ERR_IO', `cannot open replica log ${this.logPath}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. With the pid
 * it names one process for good (a reused pid has another start time). Null when the process is
 * gone, a zombie, or there is no /proc (then nothing is ever signalled on a pid from the store).
 */
export function procStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') return null;
    const ticks = Number(rest[19]);
    return Number.isSafeInteger(ticks) ? ticks : null;
  } catch {
    return null;
  }
}
