/**
 * The shapes of the jobs layer: a job's record (what the store keeps and the API returns), its
 * steps, its per-epoch metrics and log lines, and the two things the composition root injects —
 * how to start a `lep` command as a process, and where a pipeline deploys.
 */

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
export const isTerminal = (s: JobState): boolean => TERMINAL_STATES.includes(s);

export type StepState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export interface StepRecord {
  name: string;
  state: StepState;
  startedAt: string | null;
  endedAt: string | null;
  seconds: number | null;
  /** What the step measured or produced (accuracy, photon ref, deployment…). */
  metrics: Record<string, number | string | boolean>;
  reason: string | null;
}

/** One epoch as the training process reported it. */
export interface EpochPoint {
  /** The step that trained (`train` for a train job, pipeline step names otherwise). */
  step: string;
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
  testAccuracy: number | null;
}

export interface JobRecord {
  id: string;
  kind: string;
  name: string;
  /** The flags as submitted (the matching `lep` command's flags). */
  args: string[];
  threads: number;
  state: JobState;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Exit code of the last process the job ran; null until terminal (or when none ran). */
  exitCode: number | null;
  reason: string | null;
  steps: StepRecord[];
  metrics: EpochPoint[];
  /** What the job produced: photon ref, deployment, final accuracy… */
  result: Record<string, unknown>;
  /** Process group of the process running now (null when none runs): what a cancel signals. */
  pgid: number | null;
}

export interface LogLine {
  seq: number;
  ts: string;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
}

/** How to start `lep <argv…>` as a process: given by the CLI layer, which alone may name its binary. */
export type JobLauncher = (argv: readonly string[]) => { command: string; args: string[]; env?: Record<string, string> };

/** Where a pipeline deploys: implemented by the composition root with the control plane. */
export interface DeployTarget {
  /**
   * Create deployment `name` serving `photonRef`, or roll it to that photon, or (with `canary`, for a
   * deployment that exists) start `photonRef` as its canary taking that percentage of requests.
   */
  createOrUpdate(name: string, photonRef: string, options: { replicas: number; canary?: number }): Promise<'created' | 'updated' | 'canary'>;
  /** Resolve when the deployment (or its canary) serves `photonRef` on all its replicas (throws after `timeoutMs`, or when `signal` aborts). */
  waitReady(name: string, photonRef: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** The photon ref the deployment serves now, or undefined when it does not exist. */
  current(name: string): string | undefined;
  /** Whether traffic splitting (canary) is available. */
  readonly canSplitTraffic: boolean;
}
