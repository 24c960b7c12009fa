/**
 * One job's run: the JobContext its kind sees. Each `exec` starts `lep <argv…>` (through the
 * injected launcher) under a guard that leads a new process group (guard.ts), writes every output
 * line to the job's log as it comes, and settles only after the process exited and both pipes
 * closed, so the log holds the last line before the job can turn terminal. Cancel (or the platform stopping) signals the whole
 * group: SIGTERM, SIGKILL after the grace period; members left after the leader exits are killed too.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { SUPERVISOR_PID_ENV } from '../serve/lifeline.js';
import { parseEpochLine } from './epoch-lines.js';
import { GUARD_SOURCE } from './guard.js';
import { type JobContext, type StepHandle } from './kind.js';
import { JobLog, LineSplitter } from './log.js';
import { groupMembers, killGroup, spawnGroup, startTicks } from './process-group.js';
import { type DeployTarget, type EpochPoint, type JobLauncher, type JobRecord, type LogLine } from './types.js';

/** Thrown inside a run once it was cancelled (or the platform is stopping). */
export class RunStopped extends Error {
  constructor() {
    super('stopped');
  }
}

export interface RunHooks {
  launcher: JobLauncher;
  home: string;
  killGraceMs: number;
  deploy: DeployTarget | undefined;
  save(job: JobRecord): void;
  emit(line: LogLine): void;
  setProcess(p: { pgid: number; procStart: number | null } | null): void;
  registerPhoton(p: { name: string; modelPath: string; dataset: string; metrics: Record<string, number> }): Promise<string>;
}

export class JobRun implements JobContext {
  readonly controller = new AbortController();
  /** Set when the platform stops the run (not a user's cancel): the job is left for the next start to mark. */
  stopping = false;
  /** Exit status of the last process (128 + signal number when a signal ended it). */
  exitCode: number | null = null;
  readonly artifactsDir: string;
  private readonly logFile: JobLog;

  constructor(
    readonly job: JobRecord,
    readonly dir: string,
    private readonly hooks: RunHooks,
  ) {
    this.logFile = new JobLog(dir);
    this.artifactsDir = join(dir, 'artifacts');
  }

  get deploy(): DeployTarget | undefined {
    return this.hooks.deploy;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  line(stream: LogLine['stream'], text: string): void {
    this.hooks.emit(this.logFile.append(stream, text));
  }

  log(text: string): void {
    this.line('system', text);
  }

  async exec(step: string, argv: string[]): Promise<void> {
    if (this.stopped) throw new RunStopped();
    const spec = this.hooks.launcher(argv);
    const threads = String(this.job.threads);
    const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env, LEPTON_HOME: this.hooks.home, OMP_NUM_THREADS: threads, UV_THREADPOOL_SIZE: threads };
    delete env[SUPERVISOR_PID_ENV]; // the guard is the command's parent and watches the platform for it
    this.line('system', `$ lep ${argv.join(' ')}`);
    // The guard leads the group and runs the command: a job never outlives the platform (guard.ts).
    const child = spawnGroup(process.execPath, ['-e', GUARD_SOURCE], {
      ...env,
      LEPTON_JOB_ARGV: JSON.stringify([spec.command, ...spec.args]),
      LEPTON_JOB_PARENT: String(process.pid),
      LEPTON_JOB_GRACE_MS: String(this.hooks.killGraceMs),
    });
    child.channel?.unref();
    const pgid = child.pid;
    if (pgid !== undefined) this.hooks.setProcess({ pgid, procStart: startTicks(pgid) });
    let lastError = '';
    const splitters = (['stdout', 'stderr'] as const).map((stream) => {
      const s = new LineSplitter((l) => {
        this.line(stream, l);
        if (stream === 'stderr' && /\S/.test(l)) lastError = l.trim();
        const p = parseEpochLine(step, l);
        if (p) this.addMetric(p);
      });
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (c: string) => s.push(c));
      return s;
    });
    const onAbort = (): void => {
      if (pgid !== undefined) void killGroup(pgid, this.hooks.killGraceMs);
    };
    this.controller.signal.addEventListener('abort', onAbort);
    const status = await new Promise<number>((resolve) => {
      let exitStatus: number | undefined;
      child.once('error', (err) => {
        this.line('system', `cannot start the process: ${err.message}`);
        exitStatus ??= 127;
        if (pgid === undefined) resolve(127);
      });
      child.once('exit', (code, signal) => {
        exitStatus = code ?? 128 + signalNumber(signal);
        // anything the command left behind in its group goes with it (and releases the pipes)
        if (pgid !== undefined && groupMembers(pgid).length > 0) void killGroup(pgid, Math.min(this.hooks.killGraceMs, 2000));
      });
      child.once('close', (code, signal) => resolve(exitStatus ?? code ?? 128 + signalNumber(signal)));
    });
    this.controller.signal.removeEventListener('abort', onAbort);
    for (const s of splitters) s.flush();
    this.hooks.setProcess(null);
    this.exitCode = status;
    if (this.stopped) throw new RunStopped();
    if (status !== 0) {
      throw new LeptonError('LEPTON_ERR_UPSTREAM', `${step}: lep ${argv[0] ?? ''} exited with code ${status}${lastError ? ` (${lastError.slice(0, 500)})` : ''}`);
    }
  }

  async step<T>(name: string, body: (s: StepHandle) => Promise<T> | T): Promise<T> {
    if (this.stopped) throw new RunStopped();
    let st = this.job.steps.find((s) => s.name === name);
    if (!st) {
      st = { name, state: 'pending', startedAt: null, endedAt: null, seconds: null, metrics: {}, reason: null };
      this.job.steps.push(st);
    }
    const rec = st;
    rec.state = 'running';
    rec.startedAt = new Date().toISOString();
    this.hooks.save(this.job);
    this.line('system', `step ${name}: running`);
    const t0 = performance.now();
    const handle: StepHandle = { set: (k, v) => void (rec.metrics[k] = v) };
    try {
      // Not raced against a cancel: a step ends when its process is gone (exec) or it watches `signal`.
      const value = await body(handle);
      if (this.stopped) throw new RunStopped();
      rec.state = 'succeeded';
      return value;
    } catch (err) {
      if (this.stopping) Object.assign(rec, { state: 'failed', reason: 'platform stopped' });
      else if (err instanceof RunStopped || this.stopped) Object.assign(rec, { state: 'cancelled', reason: 'cancelled' });
      else Object.assign(rec, { state: 'failed', reason: (err as Error).message });
      throw err;
    } finally {
      rec.endedAt = new Date().toISOString();
      rec.seconds = Math.round(performance.now() - t0) / 1000;
      this.hooks.save(this.job);
      this.line('system', `step ${name}: ${rec.state} in ${rec.seconds.toFixed(1)} s${rec.reason ? ` (${rec.reason})` : ''}`);
    }
  }

  setMetrics(step: string, points: EpochPoint[]): void {
    this.job.metrics = [...this.job.metrics.filter((p) => p.step !== step), ...points];
    this.hooks.save(this.job);
  }

  setResult(key: string, value: unknown): void {
    this.job.result[key] = value;
    this.hooks.save(this.job);
  }

  registerPhoton(p: { name: string; modelPath: string; dataset: string; metrics: Record<string, number> }): Promise<string> {
    return this.hooks.registerPhoton(p);
  }

  private addMetric(p: EpochPoint): void {
    this.job.metrics = [...this.job.metrics.filter((m) => !(m.step === p.step && m.epoch === p.epoch)), p];
    this.hooks.save(this.job);
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (SIGNALS[signal] ?? 0) : 0;
}
