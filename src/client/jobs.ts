/**
 * The typed client of the jobs API (`/api/v1/jobs`): submit, list, inspect, cancel, remove,
 * metrics, artifacts, and the log stream as an async iterator that resumes from the last sequence
 * number it saw when the connection drops. Imports only core, like the rest of the SDK.
 */
import { LeptonError } from '../core/errors.js';
import { HttpCore, type ClientOptions, type HttpMethod } from './http.js';

/** Every jobs operation: method and OpenAPI path template. */
export const JOB_OPERATIONS = {
  'jobs.submit': ['POST', '/api/v1/jobs'],
  'jobs.list': ['GET', '/api/v1/jobs'],
  'jobs.get': ['GET', '/api/v1/jobs/{id}'],
  'jobs.logs': ['GET', '/api/v1/jobs/{id}/logs'],
  'jobs.metrics': ['GET', '/api/v1/jobs/{id}/metrics'],
  'jobs.cancel': ['POST', '/api/v1/jobs/{id}/cancel'],
  'jobs.remove': ['DELETE', '/api/v1/jobs/{id}'],
  'jobs.artifacts': ['GET', '/api/v1/jobs/{id}/artifacts'],
  'jobs.artifact': ['GET', '/api/v1/jobs/{id}/artifacts/{*}'],
} as const satisfies Record<string, readonly [HttpMethod, string]>;

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobStep {
  name: string;
  state: 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';
  startedAt: string | null;
  endedAt: string | null;
  seconds: number | null;
  metrics: Record<string, number | string | boolean>;
  reason: string | null;
}

export interface JobEpoch {
  step: string;
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
  testAccuracy: number | null;
}

export interface Job {
  id: string;
  kind: string;
  name: string;
  args: string[];
  threads: number;
  state: JobState;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  exitCode: number | null;
  reason: string | null;
  steps: JobStep[];
  metrics: JobEpoch[];
  result: Record<string, unknown>;
  pgid: number | null;
}

export interface JobSubmit {
  kind: string;
  name?: string;
  /** The flags of the matching `lep` command, e.g. ['--dataset', 'mnist', '--epochs', '3']. */
  args: string[];
  resources?: { threads?: number };
}

export interface JobLogLine {
  seq: number;
  ts: string;
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
}

export type JobLogEvent = { type: 'line'; line: JobLogLine } | { type: 'end'; job: Job };

const TERMINAL: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export class JobsClient {
  private readonly http: HttpCore;

  constructor(
    serverUrl: string,
    private readonly options: ClientOptions = {},
  ) {
    this.http = new HttpCore(serverUrl, options);
  }

  submit(body: JobSubmit): Promise<Job> {
    return this.http.call({ method: 'POST', path: '/api/v1/jobs', body: JSON.stringify(body), contentType: 'application/json', idempotent: false });
  }

  async list(): Promise<Job[]> {
    return (await this.http.call<{ jobs: Job[] }>({ method: 'GET', path: '/api/v1/jobs', idempotent: true })).jobs;
  }

  get(id: string): Promise<Job> {
    return this.http.call({ method: 'GET', path: `/api/v1/jobs/${encodeURIComponent(id)}`, idempotent: true });
  }

  /** Stored lines after `since` (no waiting). */
  logs(id: string, q: { since?: number; limit?: number } = {}): Promise<{ lines: JobLogLine[]; state: JobState; lastSeq: number }> {
    const qs = new URLSearchParams(Object.entries(q).filter((e) => e[1] !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return this.http.call({ method: 'GET', path: `/api/v1/jobs/${encodeURIComponent(id)}/logs${qs ? `?${qs}` : ''}`, idempotent: true });
  }

  metrics(id: string): Promise<{ id: string; state: JobState; epochs: JobEpoch[]; steps: JobStep[]; result: Record<string, unknown> }> {
    return this.http.call({ method: 'GET', path: `/api/v1/jobs/${encodeURIComponent(id)}/metrics`, idempotent: true });
  }

  cancel(id: string): Promise<Job> {
    return this.http.call({ method: 'POST', path: `/api/v1/jobs/${encodeURIComponent(id)}/cancel`, idempotent: true });
  }

  remove(id: string): Promise<{ removed: string }> {
    return this.http.call({ method: 'DELETE', path: `/api/v1/jobs/${encodeURIComponent(id)}`, idempotent: true });
  }

  async artifacts(id: string): Promise<Array<{ path: string; bytes: number }>> {
    return (await this.http.call<{ artifacts: Array<{ path: string; bytes: number }> }>({ method: 'GET', path: `/api/v1/jobs/${encodeURIComponent(id)}/artifacts`, idempotent: true })).artifacts;
  }

  /** One artifact's bytes (`path` as listed, e.g. `train/model.onnx`). */
  artifact(id: string, path: string): Promise<Uint8Array> {
    const p = path.split('/').map(encodeURIComponent).join('/');
    return this.http.call({ method: 'GET', path: `/api/v1/jobs/${encodeURIComponent(id)}/artifacts/${p}`, idempotent: true, binary: true });
  }

  /**
   * Follow the log: every line after `since`, then one `end` event with the terminal job. A
   * dropped connection is resumed from the last sequence seen, so no line is lost or repeated.
   */
  async *follow(id: string, since = 0): AsyncGenerator<JobLogEvent> {
    let last = since;
    const fetchImpl = this.options.fetch ?? globalThis.fetch;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetchImpl(`${this.http.base}/api/v1/jobs/${encodeURIComponent(id)}/logs?follow=1&since=${last}`, {
          headers: { accept: 'text/event-stream', ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) },
        });
      } catch (err) {
        if (attempt >= 5) throw new LeptonError('LEPTON_ERR_UPSTREAM', `lost the log stream of job ${id}: ${(err as Error).message}`, { cause: err });
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        continue;
      }
      if (!res.ok || !res.body) {
        // the error envelope, as every other call reports it
        await this.logs(id, { since: last, limit: 1 });
        throw new LeptonError('LEPTON_ERR_UPSTREAM', `log stream of job ${id} answered ${res.status}`);
      }
      const decoder = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const type = /^event: (\S+)$/m.exec(event)?.[1];
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (data === undefined) continue;
          if (type === 'line') {
            const line = JSON.parse(data) as JobLogLine;
            if (line.seq <= last) continue;
            last = line.seq;
            yield { type: 'line', line };
          } else if (type === 'end') {
            yield { type: 'end', job: JSON.parse(data) as Job };
            return;
          }
        }
      }
      // the stream closed without its end event: the job may have ended meanwhile
      const j = await this.get(id);
      if (TERMINAL.includes(j.state) && (await this.logs(id, { since: last })).lines.length === 0) {
        yield { type: 'end', job: j };
        return;
      }
      if (attempt >= 5) throw new LeptonError('LEPTON_ERR_UPSTREAM', `the log stream of job ${id} keeps closing early`);
    }
  }
}
