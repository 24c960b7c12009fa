/**
 * A federated client: joins the task, polls, and for each round it is selected for walks the
 * phases the server announces — advertise keys, send encrypted Shamir shares, train E epochs at
 * batch B from the global weights and send only the (masked) weight delta, reveal shares for
 * unmasking. Without secure aggregation it sends the plain delta. Its data never leaves it.
 */
import { LeptonError } from '../core/errors.js';
import type { ImageDataset } from '../data/index.js';
import { clientWeight, clipL2 } from './aggregate.js';
import { CODEC_CONTENT_TYPE, decodeBundle, encodeBundle, requireArray } from './codec.js';
import { trainLocal } from './model.js';
import { FL_PREFIX, type Phase, type PhaseData, type Poll, type TaskInfo } from './protocol.js';
import { SecAggClient, encodeFixed } from './secagg.js';

export interface FlClientOptions {
  /** Server base URL, e.g. http://127.0.0.1:7070 */
  server: string;
  token: string;
  clientId: string;
  /** This client's local training data. */
  data: ImageDataset;
  seed?: number;
  /** Pause between polls (default 20 ms); each poll is a long poll held by the server up to `longPollMs`. */
  pollMs?: number;
  /** How long the server may hold a poll (default 10 000 ms; an open poll counts as live). */
  longPollMs?: number;
  signal?: AbortSignal;
  /** Called as a phase begins for this client (tests use it to kill a client mid-round). */
  onPhase?: (phase: Phase, round: string) => void;
  /** Called after each round this client finished its part of. */
  onRoundDone?: (round: string, loss: number) => void;
}

export interface FlClientResult {
  rounds: number;
  bytesSent: number;
  bytesReceived: number;
}

interface RoundCtx {
  sec?: SecAggClient;
  done: Set<Phase>;
  global?: Float32Array;
  u2?: PhaseData['u2'];
  inbox?: Record<string, string>;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export class FlClient {
  private sent = 0;
  private received = 0;
  private rounds = 0;
  private info: TaskInfo | undefined;
  private readonly ctx = new Map<string, RoundCtx>();

  constructor(private readonly o: FlClientOptions) {}

  private async call(method: 'GET' | 'POST', path: string, body?: unknown, binary?: Uint8Array): Promise<Response> {
    const payload = binary ?? (body === undefined ? undefined : JSON.stringify(body));
    const headers: Record<string, string> = { authorization: `Bearer ${this.o.token}` };
    if (payload !== undefined) headers['content-type'] = binary ? CODEC_CONTENT_TYPE : 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.o.server}${FL_PREFIX}${path}`, { method, headers, body: payload, ...(this.o.signal && { signal: this.o.signal }) });
    } catch (err) {
      if (this.o.signal?.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new LeptonError('LEPTON_ERR_UPSTREAM', `cannot reach the federated server ${this.o.server}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, { cause: err });
    }
    this.sent += payload === undefined ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    if (!res.ok) {
      const text = await res.text();
      this.received += text.length;
      let code = 'LEPTON_ERR_UPSTREAM';
      let message = text.slice(0, 200);
      try {
        const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
        code = e.code;
        message = e.message;
      } catch {
        // not our envelope: keep the raw text
      }
      throw new LeptonError(res.status === 409 ? 'LEPTON_ERR_CONFLICT' : res.status === 401 ? 'LEPTON_ERR_UNAUTHENTICATED' : res.status === 403 ? 'LEPTON_ERR_FORBIDDEN' : 'LEPTON_ERR_UPSTREAM', `${method} ${path}: ${res.status} ${code}: ${message}`, {
        details: { status: res.status, code },
      });
    }
    return res;
  }

  private async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const text = await (await this.call(method, path, body)).text();
    this.received += text.length;
    return JSON.parse(text) as T;
  }

  /** Run until the server says the task is done (or the signal aborts). */
  async run(): Promise<FlClientResult> {
    const o = this.o;
    const id = encodeURIComponent(o.clientId);
    this.info = await this.json<TaskInfo>('GET', '/task');
    await this.json('POST', '/join', { client: o.clientId });
    let after = '';
    while (!o.signal?.aborted) {
      const p = await this.json<Poll>('GET', `/poll?client=${id}&wait=${o.longPollMs ?? 10_000}&after=${encodeURIComponent(after)}`);
      if (p.state === 'done') break;
      after = p.state;
      if (p.state === 'round') {
        after = `${p.round}:${p.phase}`;
        try {
          await this.step(p.round, p.phase);
        } catch (err) {
          // the round moved on (deadline, retry) while we worked: drop it and follow the next poll
          if (!(err instanceof LeptonError && err.code === 'LEPTON_ERR_CONFLICT')) throw err;
          this.ctx.delete(p.round);
        }
      }
      await sleep(o.pollMs ?? 20, o.signal);
    }
    return { rounds: this.rounds, bytesSent: this.sent, bytesReceived: this.received };
  }

  private async step(round: string, phase: Phase): Promise<void> {
    let c = this.ctx.get(round);
    if (!c) {
      this.ctx.clear(); // older rounds are over
      this.ctx.set(round, (c = { done: new Set() }));
    }
    if (c.done.has(phase)) return;
    this.o.onPhase?.(phase, round);
    if (this.o.signal?.aborted) return;
    const q = `?client=${encodeURIComponent(this.o.clientId)}&round=${encodeURIComponent(round)}`;
    const data = await this.json<PhaseData>('GET', `/phase${q}`);
    const n = this.o.data.n;
    if (phase === 'advertise') {
      c.sec = new SecAggClient(this.o.clientId, round);
      await this.json('POST', '/keys', { client: this.o.clientId, round, ...c.sec.advertise(), numExamples: n });
    } else if (phase === 'share') {
      await this.json('POST', '/shares', { client: this.o.clientId, round, shares: c.sec!.makeShares(data.u1!, data.threshold!) });
    } else if (phase === 'train') {
      const wres = await this.call('GET', `/weights${q}`);
      const wbuf = new Uint8Array(await wres.arrayBuffer());
      this.received += wbuf.length;
      const global = requireArray(decodeBundle(wbuf), 'global', 'f32', this.info!.vectorLength);
      const cfg = data.config;
      const { delta, loss } = trainLocal(this.info!.arch, global, this.o.data, {
        epochs: cfg.epochs,
        batchSize: cfg.batchSize,
        lr: cfg.lr,
        proxMu: cfg.proxMu,
        seed: (this.o.seed ?? 0) + this.rounds * 7919,
      });
      const meta = { client: this.o.clientId, round, numExamples: n };
      let body: Uint8Array;
      if (this.info!.secure) {
        const u2 = data.u2!;
        if (cfg.dpClip !== undefined) clipL2(delta, cfg.dpClip);
        const w = clientWeight(n, u2.reduce((s, k) => s + k.numExamples, 0), u2.length, cfg.dpClip !== undefined);
        for (let i = 0; i < delta.length; i++) delta[i]! *= w;
        c.u2 = u2;
        c.inbox = data.inbox!;
        body = encodeBundle({ meta, arrays: [{ name: 'masked', data: c.sec!.mask(encodeFixed(delta), u2) }] });
      } else {
        body = encodeBundle({ meta, arrays: [{ name: 'delta', data: delta }] });
      }
      await this.call('POST', '/update', undefined, body);
      this.o.onRoundDone?.(round, loss);
      this.rounds++;
    } else {
      await this.json('POST', '/reveal', { client: this.o.clientId, round, shares: c.sec!.reveal(c.inbox!, c.u2!, data.survivors!) });
    }
    c.done.add(phase);
  }
}
