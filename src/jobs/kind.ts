/**
 * What a job kind is: one registry entry saying which flags it takes (those of the matching `lep`
 * command, plus job-only ones such as `--photon`), how to check them before the job is queued, which
 * steps it will show, and how to run it through the JobContext the service gives it.
 */
import { type FlagSpec } from './flags.js';
import { type DeployTarget, type EpochPoint, type JobRecord } from './types.js';

/** What validation may look at besides the arguments. */
export interface ValidateEnv {
  /** Path of `file` in job `id`'s artifacts (for `--model job:ID`); throws when it is not there. */
  jobArtifact(id: string, file: string): string;
  /** Where pipelines deploy; undefined when the platform gives none. */
  deploy: DeployTarget | undefined;
}

/** A step in progress: add what it measured; the service records its timing and state. */
export interface StepHandle {
  set(key: string, value: number | string | boolean): void;
}

export interface JobContext {
  readonly job: Readonly<JobRecord>;
  /** The job's own folder for outputs (listed and downloadable through the API). */
  readonly artifactsDir: string;
  readonly deploy: DeployTarget | undefined;
  /** Aborted when the job is cancelled or the platform stops: long waits in a step watch it. */
  readonly signal: AbortSignal;
  /** Run `lep <argv…>` as this job's process group with output in its log; resolves on exit 0, throws otherwise (or when cancelled). */
  exec(step: string, argv: string[]): Promise<void>;
  /** Run a named step, recording its state, timing and metrics; a throw fails the step and the job. */
  step<T>(name: string, body: (s: StepHandle) => Promise<T> | T): Promise<T>;
  /** A line from the platform itself in the job's log. */
  log(line: string): void;
  /** Replace the per-epoch metrics of `step` (e.g. with the trainer's own history once it is written). */
  setMetrics(step: string, points: EpochPoint[]): void;
  /** Record what the job produced (shown in the job's `result`). */
  setResult(key: string, value: unknown): void;
  /** Register `modelPath` as a new version of photon `name`, with the job's provenance; returns `name@version`. */
  registerPhoton(p: { name: string; modelPath: string; dataset: string; metrics: Record<string, number> }): Promise<string>;
}

export interface JobKind<P = unknown> {
  name: string;
  summary: string;
  /** Every flag the kind accepts. `reserved` ones are set by the job (e.g. `--out`). */
  flags: readonly FlagSpec[];
  /** Check the arguments (400 on a mistake) and return the plan `run` follows. */
  validate(args: readonly string[], env: ValidateEnv): P;
  /** Step names, shown as pending from the start. */
  steps(plan: P): string[];
  run(ctx: JobContext, plan: P): Promise<void>;
}

/** Erase a kind's plan type for the registry. */
export function kind<P>(k: JobKind<P>): JobKind<unknown> {
  return k as unknown as JobKind<unknown>;
}
