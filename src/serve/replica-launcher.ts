/**
 * The one way to start a replica process, and the protocol both ends of it share. A replica is
 * `node [tsx loader] serve/replica-main.ts '<ReplicaConfig as JSON>'` (or, with no argument, the
 * JSON in LEPTON_REPLICA_CONFIG: a container's command). It holds its lifeline first, then loads
 * the model and listens, then announces `{type:'ready', url, port, pid, replicaId}` — over the IPC
 * channel when it has one (a launcher always opens one), else as one JSON line on stdout. A start
 * that fails announces `{type:'failed', code, message}` the same way and exits 1. SIGTERM drains
 * and exits 0. `/v2/health/ready` answers the same question over HTTP (gateway health checks,
 * container probes). The deploy supervisor and the navigator start replicas here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ERROR_STATUS, LeptonError, type ErrorCode } from '../core/errors.js';
import { SUPERVISOR_PID_ENV } from './lifeline.js';

/** Where a replica started without an argument reads its config. */
export const REPLICA_CONFIG_ENV = 'LEPTON_REPLICA_CONFIG';

/** What one replica serves, and how. JSON-safe: it crosses a process boundary. */
export interface ReplicaConfig {
  /** Photon `NAME[@VERSION]` from the registry at `home` (give this or `modelFile`). */
  ref?: string;
  /** Lepton home holding the registry and `master.key`. Default: LEPTON_HOME as the replica sees it. */
  home?: string;
  /** A bare .onnx file to serve instead of a photon. */
  modelFile?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port (the ready message says which). */
  port?: number;
  threads?: number;
  engine?: 'ort' | 'native';
  /** Overrides of the photon's batching settings. */
  batching?: { maxBatch?: number; maxWaitMs?: number; maxQueue?: number; timeoutMs?: number; p99TargetMs?: number };
  /** `x-lepton-replica` value. Default hostname:pid. */
  replicaId?: string;
  /** Serve /docs. Default true. */
  docs?: boolean;
}

export interface ReplicaReady {
  type: 'ready';
  url: string;
  port: number;
  pid: number;
  replicaId: string;
}

export interface ReplicaFailed {
  type: 'failed';
  code: string;
  message: string;
}

export type ReplicaMessage = ReplicaReady | ReplicaFailed;

const invalid = (message: string): LeptonError => new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `replica config: ${message}`);

function optionalInt(v: unknown, what: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`${what} must be an integer in [${min}, ${max}]`);
  return v;
}

function optionalString(v: unknown, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw invalid(`${what} must be a non-empty string`);
  return v;
}

/** Read a config from its JSON text, checking every field (it may come from a container spec). */
export function parseReplicaConfig(text: string): ReplicaConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid('not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('must be a JSON object');
  const o = raw as Record<string, unknown>;
  const known = ['ref', 'home', 'modelFile', 'host', 'port', 'threads', 'engine', 'batching', 'replicaId', 'docs'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw invalid(`unknown field(s) ${unknown.join(', ')}`);
  const c: ReplicaConfig = {};
  const set = <K extends keyof ReplicaConfig>(k: K, v: ReplicaConfig[K] | undefined): void => {
    if (v !== undefined) c[k] = v;
  };
  set('ref', optionalString(o['ref'], 'ref'));
  set('home', optionalString(o['home'], 'home'));
  set('modelFile', optionalString(o['modelFile'], 'modelFile'));
  if ((c.ref === undefined) === (c.modelFile === undefined)) throw invalid('give exactly one of ref or modelFile');
  set('host', optionalString(o['host'], 'host'));
  set('port', optionalInt(o['port'], 'port', 0, 65535));
  set('threads', optionalInt(o['threads'], 'threads', 1, 256));
  if (o['engine'] !== undefined && o['engine'] !== 'ort' && o['engine'] !== 'native') throw invalid('engine must be ort or native');
  set('engine', o['engine'] as ReplicaConfig['engine']);
  set('replicaId', optionalString(o['replicaId'], 'replicaId'));
  if (o['docs'] !== undefined && typeof o['docs'] !== 'boolean') throw invalid('docs must be true or false');
  set('docs', o['docs'] as boolean | undefined);
  if (o['batching'] !== undefined) {
    const b = o['batching'];
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw invalid('batching must be an object');
    const bo = b as Record<string, unknown>;
    const extra = Object.keys(bo).filter((k) => !['maxBatch', 'maxWaitMs', 'maxQueue', 'timeoutMs', 'p99TargetMs'].includes(k));
    if (extra.length > 0) throw invalid(`unknown batching field(s) ${extra.join(', ')}`);
    const batching: NonNullable<ReplicaConfig['batching']> = {};
    const put = (k: keyof typeof batching, min: number, max: number): void => {
      const v = optionalInt(bo[k], `batching.${k}`, min, max);
      if (v !== undefined) batching[k] = v;
    };
    put('maxBatch', 1, 65536);
    put('maxWaitMs', 0, 10_000);
    put('maxQueue', 1, 1_000_000);
    put('timeoutMs', 1, 3_600_000);
    put('p99TargetMs', 1, 60_000);
    c.batching = batching;
  }
  return c;
}

/** A message a replica sent, or undefined when `m` is not one (the channel is ours, but be strict). */
export function asReplicaMessage(m: unknown): ReplicaMessage | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const o = m as Record<string, unknown>;
  if (o['type'] === 'ready' && typeof o['url'] === 'string' && typeof o['port'] === 'number') return o as unknown as ReplicaReady;
  if (o['type'] === 'failed' && typeof o['message'] === 'string') return { type: 'failed', code: String(o['code']), message: o['message'] };
  return undefined;
}

/** A process to start: what ReplicaProcess and launchReplica run. */
export interface ReplicaSpawn {
  command: string;
  args: string[];
  /** Added to the launcher's environment. */
  env?: Record<string, string>;
}

const FROM_TS = import.meta.url.endsWith('.ts');
const ENTRY = fileURLToPath(new URL(FROM_TS ? './replica-main.ts' : './replica-main.js', import.meta.url));

/**
 * Flags that let the child run TypeScript as this process does: the loader flags this process was
 * started with, plus tsx by absolute URL when none names it (`lep` registers tsx in code, and a bare
 * `--import tsx` would resolve from the child's working directory, not from this package).
 */
function loaderArgs(): string[] {
  if (!FROM_TS) return [];
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if ((v === '--import' || v === '--require' || v === '--loader' || v === '--experimental-loader') && a[i + 1] !== undefined) out.push(v, a[++i]!);
    else if (/^--(import|require|loader|experimental-loader)=/.test(v)) out.push(v);
  }
  return out.some((v) => v.includes('tsx')) ? out : [...out, '--import', import.meta.resolve('tsx')];
}

/** The command that starts a replica for `config`: this Node, the TypeScript loader if needed, the entry, the config. */
export function replicaSpawn(config: ReplicaConfig, env?: Record<string, string>): ReplicaSpawn {
  return { command: process.execPath, args: [...loaderArgs(), ENTRY, JSON.stringify(config)], ...(env ? { env } : {}) };
}

export interface LaunchOptions {
  /** Where the replica's stdout and stderr go: a file descriptor (a log file), or 'pipe' (their last lines go into a failure's message). Default 'pipe'. */
  output?: number | 'pipe';
  /** Longest wait for the ready message; the process is then killed (SIGKILL) and `ready` rejects with LEPTON_ERR_NOT_READY. Default: no limit. */
  readyTimeoutMs?: number;
}

export interface LaunchedReplica {
  readonly child: ChildProcess;
  /** Resolves on the ready message; rejects (LeptonError) when the start fails, the process exits or the timeout passes first. */
  readonly ready: Promise<ReplicaReady>;
  /** Resolves once the process has exited (at once when it never started). */
  readonly exited: Promise<void>;
  /** Graceful stop: SIGTERM (the replica drains), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Start `what` as a supervised replica: an IPC channel (its lifeline, and the readiness channel)
 * and LEPTON_SUPERVISOR_PID set to this process, so it never outlives us. Returns at once, with
 * the pid known: the caller may record it before the replica has loaded anything.
 */
export function launchReplica(what: ReplicaSpawn, options: LaunchOptions = {}): LaunchedReplica {
  const output = options.output ?? 'pipe';
  const child = spawn(what.command, what.args, {
    stdio: ['ignore', output, output, 'ipc'],
    env: { ...process.env, ...what.env, [SUPERVISOR_PID_ENV]: String(process.pid) },
  });
  child.channel?.unref(); // the channel alone must not keep this process alive
  let tail = '';
  const keep = (d: Buffer): void => void (tail = (tail + d.toString()).slice(-2000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const lastLines = (): string => (tail.trim() === '' ? '' : `: ${tail.trim().split('\n').slice(-3).join(' | ')}`);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => {
      if (child.pid === undefined) resolve(); // never started: no 'exit' comes
    });
  });
  const ready = new Promise<ReplicaReady>((resolve, reject) => {
    const timer = options.readyTimeoutMs === undefined ? undefined : setTimeout(() => {
      child.kill('SIGKILL');
      fail(new LeptonError('LEPTON_ERR_NOT_READY', `replica not ready after ${options.readyTimeoutMs} ms${lastLines()}`));
    }, options.readyTimeoutMs);
    let settled = false;
    const done = (): void => {
      settled = true;
      clearTimeout(timer);
      child.off('message', onMessage);
    };
    const fail = (err: LeptonError): void => {
      if (settled) return;
      done();
      reject(err);
    };
    const onMessage = (m: unknown): void => {
      const msg = asReplicaMessage(m);
      if (!msg || settled) return;
      if (msg.type === 'failed') {
        fail(new LeptonError(isCode(msg.code) ? msg.code : 'LEPTON_ERR_INTERNAL', msg.message));
        return;
      }
      done();
      resolve(msg);
    };
    child.on('message', onMessage);
    child.once('error', (err) => fail(new LeptonError('LEPTON_ERR_INTERNAL', `cannot start replica: ${err.message}`, { cause: err })));
    child.once('exit', (code, signal) => fail(new LeptonError('LEPTON_ERR_INTERNAL', `replica exited (${signal ? `signal ${signal}` : `code ${code}`}) before it was ready${lastLines()}`)));
  });
  ready.catch(() => {}); // a caller that only watches `exited` must not see an unhandled rejection
  return {
    child,
    ready,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function isCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}
