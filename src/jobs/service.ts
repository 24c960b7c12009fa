/**
 * The jobs service: submit (arguments checked before anything is queued), a FIFO queue run at most
 * `maxConcurrent` at a time, cancel, remove, logs, artifacts, and the restart rule — a job that was
 * running when the platform stopped is marked failed ('platform restarted', its partial log kept),
 * queued jobs start again. State transitions are saved before they are announced.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { type PhotonRegistry } from '../photon/registry.js';
import { findArtifact, listArtifacts, artifactPath, type Artifact } from './artifacts.js';
import { type JobKind, type ValidateEnv } from './kind.js';
import { JOB_KINDS, jobKind } from './kinds/index.js';
import { JobLog } from './log.js';
import { registerJobPhoton } from './photons.js';
import { isOurGroup, killGroup } from './process-group.js';
import { JobRun, RunStopped } from './run.js';
import { JobStore } from './store.js';
import { isTerminal, type DeployTarget, type JobLauncher, type JobRecord, type JobState, type LogLine } from './types.js';

export interface JobsOptions {
  /** LEPTON_HOME: logs and artifacts live under `<home>/jobs/<id>/`. */
  home: string;
  /** The platform's database handle (lepton.db); the service keeps its own `jobs` table in it. */
  db: Database.Database;
  registry: PhotonRegistry;
  /** How to start `lep <argv…>`: given by the CLI layer (or a test), the only one that may name the binary. */
  launcher: JobLauncher;
  deploy?: DeployTarget;
  /** Jobs running at once; the rest wait in FIFO order. Default 1. */
  maxConcurrent?: number;
  /** Between SIGTERM and SIGKILL on cancel. Default 5000 ms. */
  killGraceMs?: number;
  kinds?: ReadonlyMap<string, JobKind>;
  logger?: Logger;
}

export interface SubmitRequest {
  kind: unknown;
  name?: unknown;
  args?: unknown;
  resources?: { threads?: unknown } | undefined;
}

export type JobEvent = { type: 'line'; line: LogLine } | { type: 'end'; job: JobRecord };

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const MAX_ARGS = 256;

export class JobService {
  readonly store: JobStore;
  readonly maxConcurrent: number;
  private readonly running = new Map<string, JobRun>();
  private readonly done = new Map<string, Promise<void>>();
  private readonly listeners = new Map<string, Set<(e: JobEvent) => void>>();
  private readonly kinds: ReadonlyMap<string, JobKind>;
  private readonly log: Logger;
  private started = false;
  private closing = false;

  constructor(private readonly options: JobsOptions) {
    this.store = new JobStore(options.db);
    this.kinds = options.kinds ?? JOB_KINDS;
    this.maxConcurrent = options.maxConcurrent ?? 1;
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1) throw invalidArgument('max concurrent jobs must be an integer ≥ 1');
    this.log = options.logger ?? silentLogger;
  }

  dir(id: string): string {
    return join(this.options.home, 'jobs', id);
  }

  /** Mark the jobs a previous run left running as failed (killing what is left of them), then start the queue. */
  async start(): Promise<void> {
    for (const job of this.store.list('running')) {
      const p = this.store.process(job.id);
      if (p && isOurGroup(p.pgid, p.procStart)) await killGroup(p.pgid, this.options.killGraceMs ?? 5000);
      this.store.setProcess(job.id, null);
      job.pgid = null;
      new JobLog(this.dir(job.id)).append('system', 'platform restarted while the job was running: marked failed (the log above is what it printed)');
      for (const s of job.steps) {
        if (s.state === 'running') Object.assign(s, { state: 'failed', reason: 'platform restarted', endedAt: new Date().toISOString() });
        else if (s.state === 'pending') s.state = 'skipped';
      }
      Object.assign(job, { state: 'failed', reason: 'platform restarted', endedAt: new Date().toISOString() });
      this.store.save(job);
      this.log.warn({ job: job.id }, 'job was running when the platform stopped: marked failed');
    }
    this.started = true;
    this.pump();
  }

  /** Check the request and its arguments (400 on any mistake), then queue the job. */
  submit(req: SubmitRequest): JobRecord {
    if (this.closing) throw new LeptonError('LEPTON_ERR_NOT_READY', 'the platform is stopping');
    const kind = jobKind(req.kind, this.kinds);
    const args = req.args ?? [];
    if (!Array.isArray(args) || args.length > MAX_ARGS || !args.every((a) => typeof a === 'string' && a.length <= 4096)) {
      throw invalidArgument(`args must be an array of at most ${MAX_ARGS} strings (the flags of lep ${kind.name})`, { field: 'args' });
    }
    const name = req.name ?? kind.name;
    if (typeof name !== 'string' || !JOB_NAME.test(name)) throw invalidArgument('name must be letters, digits, _ . -, at most 63 characters', { field: 'name' });
    const maxThreads = availableParallelism();
    const threads = req.resources?.threads ?? 1;
    if (!Number.isInteger(threads) || (threads as number) < 1 || (threads as number) > maxThreads) {
      throw invalidArgument(`resources.threads must be an integer from 1 to ${maxThreads} (this machine's cores)`, { field: 'resources.threads' });
    }
    const plan = kind.validate(args as string[], this.validateEnv());
    const job: JobRecord = {
      id: `job-${randomBytes(5).toString('hex')}`,
      kind: kind.name,
      name,
      args: args as string[],
      threads: threads as number,
      state: 'queued',
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      exitCode: null,
      reason: null,
      steps: kind.steps(plan).map((s) => ({ name: s, state: 'pending', startedAt: null, endedAt: null, seconds: null, metrics: {}, reason: null })),
      metrics: [],
      result: {},
      pgid: null,
    };
    this.store.insert(job);
    this.emit(job.id, { type: 'line', line: new JobLog(this.dir(job.id)).append('system', `queued: ${kind.name} ${job.args.join(' ')}`) });
    this.pump();
    return this.get(job.id);
  }

  list(state?: JobState): JobRecord[] {
    return this.store.list(state);
  }

  get(id: string): JobRecord {
    const job = this.running.get(id)?.job ?? this.store.get(id);
    if (!job) throw new LeptonError('LEPTON_ERR_NOT_FOUND', `no job '${id}'; see 'lep job list'`);
    return job;
  }

  logs(id: string, since = 0, limit?: number): LogLine[] {
    this.get(id);
    return JobLog.read(this.dir(id), since, limit);
  }

  /** Cancel a queued or running job; it ends `cancelled` (never `succeeded`). */
  async cancel(id: string): Promise<JobRecord> {
    const job = this.get(id);
    if (isTerminal(job.state)) throw new LeptonError('LEPTON_ERR_CONFLICT', `job ${id} already ended (${job.state})`);
    const run = this.running.get(id);
    if (!run) {
      this.finish(job, undefined, 'cancelled', 'cancelled before it started');
      return this.get(id);
    }
    run.log('cancel requested: stopping the job (SIGTERM to its process group, SIGKILL after the grace period)');
    run.controller.abort();
    await this.done.get(id);
    return this.get(id);
  }

  remove(id: string): void {
    const job = this.get(id);
    if (!isTerminal(job.state)) throw new LeptonError('LEPTON_ERR_CONFLICT', `job ${id} is ${job.state}; cancel it first`);
    this.store.remove(id);
    rmSync(this.dir(id), { recursive: true, force: true });
  }

  artifacts(id: string): Artifact[] {
    this.get(id);
    return listArtifacts(join(this.dir(id), 'artifacts'));
  }

  artifactPath(id: string, path: string): string {
    this.get(id);
    return artifactPath(join(this.dir(id), 'artifacts'), path);
  }

  /** Follow job `id`: `listener` gets each new line, then one `end` when the job is terminal. Returns the unsubscribe. */
  subscribe(id: string, listener: (e: JobEvent) => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** Stop: running jobs are killed and left as running, for the next start to mark failed. */
  async close(): Promise<void> {
    this.closing = true;
    for (const run of this.running.values()) {
      run.log('platform stopping: the job is stopped and will be marked failed when the platform starts again');
      run.stopping = true;
      run.controller.abort();
    }
    await Promise.all(this.done.values());
  }

  private validateEnv(): ValidateEnv {
    return {
      deploy: this.options.deploy,
      jobArtifact: (id, file) => {
        const job = this.store.get(id);
        if (!job) throw invalidArgument(`no job '${id}' to take ${file} from`);
        const path = job.state === 'succeeded' ? findArtifact(join(this.dir(id), 'artifacts'), file) : undefined;
        if (!path) throw invalidArgument(`job ${id} (${job.state}) has no ${file}`);
        return path;
      },
    };
  }

  private pump(): void {
    if (!this.started || this.closing) return;
    while (this.running.size < this.maxConcurrent) {
      const next = this.store.list('queued')[0];
      if (!next) return;
      this.launch(next);
    }
  }

  private launch(job: JobRecord): void {
    const run = new JobRun(job, this.dir(job.id), {
      launcher: this.options.launcher,
      home: this.options.home,
      killGraceMs: this.options.killGraceMs ?? 5000,
      deploy: this.options.deploy,
      save: (j) => this.store.save(j),
      emit: (line) => this.emit(job.id, { type: 'line', line }),
      setProcess: (p) => {
        job.pgid = p?.pgid ?? null;
        this.store.setProcess(job.id, p);
      },
      registerPhoton: (p) => registerJobPhoton(this.options.registry, { ...p, jobId: job.id }),
    });
    this.running.set(job.id, run);
    job.state = 'running';
    job.startedAt = new Date().toISOString();
    this.store.save(job);
    run.log(`running (${job.threads} thread${job.threads === 1 ? '' : 's'})`);
    const done = this.execute(run).finally(() => {
      this.running.delete(job.id);
      this.done.delete(job.id);
      this.pump();
    });
    this.done.set(job.id, done);
  }

  private async execute(run: JobRun): Promise<void> {
    const job = run.job;
    try {
      const kind = jobKind(job.kind, this.kinds);
      // checked again: a queued job may outlive what it referred to (e.g. `--model job:ID` removed)
      const plan = kind.validate(job.args, this.validateEnv());
      await kind.run(run, plan);
      if (run.stopped) throw new RunStopped();
      this.finish(job, run, 'succeeded', 'completed');
    } catch (err) {
      if (run.stopping) return; // platform stopping: the next start marks it failed
      if (run.stopped) this.finish(job, run, 'cancelled', 'cancelled by request');
      else this.finish(job, run, 'failed', (err as Error).message || 'failed');
    }
  }

  /** The one way into a terminal state: the last log line is written, then the state saved, then followers told. */
  private finish(job: JobRecord, run: JobRun | undefined, state: JobState, reason: string): void {
    job.state = state;
    job.reason = reason;
    job.endedAt = new Date().toISOString();
    job.exitCode = state === 'succeeded' ? 0 : (run?.exitCode ?? null);
    if (state === 'failed' && job.exitCode === 0) job.exitCode = 1; // a platform step failed after a clean process
    for (const s of job.steps) if (s.state === 'pending' || s.state === 'running') s.state = state === 'cancelled' ? 'cancelled' : 'skipped';
    const last = new JobLog(this.dir(job.id)).append('system', `job ${state}${job.exitCode === null ? '' : ` (exit code ${job.exitCode})`}: ${reason}`);
    this.emit(job.id, { type: 'line', line: last });
    this.store.save(job);
    this.emit(job.id, { type: 'end', job });
  }

  private emit(id: string, e: JobEvent): void {
    for (const l of this.listeners.get(id) ?? []) l(e);
  }
}
