/**
 * The federated server: a fastify app speaking protocol.ts, and the round driver. Each round
 * selects K live clients, runs the phases (advertise, share, train, unmask with secure
 * aggregation; train alone without), each until every expected client answered or the phase
 * deadline passed, then aggregates, evaluates on the server's test set and checkpoints. A phase
 * that ends with fewer than M clients (or fewer than the threshold t) retries the round with a
 * fresh selection; a client late for a phase is simply not in the next one.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { installFastifyErrors } from '../core/http-errors.js';
import { Rng } from '../core/rng.js';
import type { ImageDataset } from '../data/index.js';
import type { ModelArch } from '../nn/index.js';
import { flScope, requireScope, verifyBearer, type TokenStore } from '../secure/index.js';
import { addDpNoise, aggregatePlain, aggregateSecure, checkDp, type DpOptions } from './aggregate.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { CODEC_CONTENT_TYPE, decodeBundle, encodeBundle, requireArray } from './codec.js';
import { buildModel, evaluateVector, getVector } from './model.js';
import { FL_PREFIX, type LocalConfig, type Phase, type PhaseData, type Poll, type TaskInfo } from './protocol.js';
import { RoundState, type RoundOutcome } from './round-state.js';
import type { Strategy } from './strategy.js';

export interface FlServerOptions {
  task: string;
  arch: ModelArch;
  rounds: number;
  /** K: clients selected per round. */
  clientsPerRound: number;
  /** M: fewest updates a round may aggregate (else it is retried). */
  minClients: number;
  strategy: Strategy;
  tokens: TokenStore;
  local: { epochs: number; batchSize: number; lr: number };
  /** Secure aggregation (default true). */
  secure?: boolean;
  /** Shamir threshold t (default a strict majority of U1). */
  threshold?: number;
  /** Per-phase deadline (default 120 000 ms). */
  deadlineMs?: number;
  /** Retries of one round before the run fails (default 5). */
  maxRetries?: number;
  /** Clients neither holding a poll open nor seen for this long are not selected (default 5000 ms). */
  liveMs?: number;
  checkpointDir?: string;
  test?: ImageDataset;
  dp?: DpOptions;
  seed?: number;
  onRound?: (r: RoundRecord) => void;
  /** End the task early after a round for which this returns true (e.g. target accuracy reached). */
  stopWhen?: (r: RoundRecord) => boolean;
}

export interface RoundRecord {
  round: number;
  attempts: number;
  selected: number;
  clients: number;
  dropped: string[];
  accuracy?: number;
  loss?: number;
  /** Wall time of the round up to the new global model: selection, phases, aggregation. */
  seconds: number;
  /** Wall time of the server's test-set evaluation after it (not in `seconds`). */
  evalSeconds?: number;
  bytesIn: number;
  bytesOut: number;
  /** DP: noise multiplier σ and the std added to the mean. */
  dpNoiseMultiplier?: number;
  dpNoiseStd?: number;
}

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function clientId(v: unknown): string {
  if (typeof v !== 'string' || !CLIENT_ID.test(v)) throw invalidArgument('client must be 1-64 letters, digits or _.- and start with a letter or digit', { field: 'client' });
  return v;
}

export class FlServer {
  readonly app: FastifyInstance;
  global: Float32Array;
  round = 0;
  history: RoundRecord[] = [];
  private readonly o: Required<Pick<FlServerOptions, 'secure' | 'deadlineMs' | 'maxRetries' | 'liveMs' | 'seed'>> & FlServerOptions;
  private readonly seen = new Map<string, number>();
  /** Clients that were told the task is done (drain waits for all of them). */
  private readonly toldDone = new Set<string>();
  /** Clients with a long poll open right now: live whatever their last-seen time. */
  private readonly polling = new Map<string, number>();
  private current: RoundState | undefined;
  private done = false;
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly rng: Rng;
  /** Long polls waiting for a phase, round or end-of-task change. */
  private readonly pollers = new Set<() => void>();

  constructor(options: FlServerOptions) {
    this.o = { secure: true, deadlineMs: 120_000, maxRetries: 5, liveMs: 5000, seed: 0, ...options };
    const o = this.o;
    if (!(o.minClients >= 1 && o.clientsPerRound >= o.minClients)) throw invalidArgument('need 1 ≤ min-clients ≤ clients-per-round');
    if (o.secure && o.minClients < 2) throw invalidArgument('secure aggregation needs min-clients ≥ 2 (one client\'s sum is its update)');
    checkDp(o.dp);
    flScope(o.task);
    this.global = getVector(buildModel(o.arch, o.seed));
    this.rng = new Rng(o.seed + 1);
    const ck = o.checkpointDir ? loadCheckpoint<RoundRecord>(o.checkpointDir) : undefined;
    if (ck) {
      if (ck.task !== o.task || ck.strategy !== o.strategy.name || ck.global.length !== this.global.length) {
        throw new LeptonError('LEPTON_ERR_CONFLICT', `checkpoint in ${o.checkpointDir} is for task ${ck.task} / ${ck.strategy} with ${ck.global.length} weights; use another --out`);
      }
      this.global = ck.global;
      this.round = ck.round;
      this.history = ck.history;
      o.strategy.loadState(ck.state);
    }
    // the largest body is one update: the vector plus a small header
    // A simulation worker runs several clients on one thread: while one trains (a CNN client with
    // E = 5 for a minute or more) the others' idle keep-alive sockets wait unserved. With fastify's
    // 72 s keep-alive the server closed them under the clients, whose next request then failed with
    // UND_ERR_SOCKET and ended the run; keep idle sockets for a whole phase deadline and then some.
    this.app = Fastify({ bodyLimit: this.global.length * 4 + 64 * 1024, keepAliveTimeout: Math.max(72_000, this.o.deadlineMs + 30_000) });
    this.routes();
  }

  /** Listen on host:port (default 127.0.0.1, a free port) and return the base URL. */
  async listen(host = '127.0.0.1', port = 0): Promise<string> {
    return this.app.listen({ host, port });
  }

  /**
   * After run(): wait (at most `ms`) until every live client has been told the task is done, so
   * closing the server does not leave clients failing on a refused connection.
   */
  async drain(ms = 5000): Promise<void> {
    const waiter = this.current ?? new RoundState('drain', new Set(), this.global, { secure: false, minClients: 1, deadlineMs: ms }, []);
    this.current = waiter;
    await waiter.waitUntil(() => this.liveClients().every((c) => this.toldDone.has(c)), ms);
  }

  /**
   * Wait (at most `ms`) until `n` clients hold a poll open, i.e. have started and joined; returns
   * how many do. A simulation calls it before run() so that round 1's time is a round's time, not
   * the clients' start-up (worker threads, dataset loading, partitioning).
   */
  async waitForClients(n: number, ms: number): Promise<number> {
    const waiter = this.current ?? new RoundState('join', new Set(), this.global, { secure: false, minClients: 1, deadlineMs: ms }, []);
    this.current = waiter;
    try {
      await waiter.waitUntil(() => this.polling.size >= n || this.done, ms);
    } finally {
      if (this.current === waiter) this.current = undefined;
    }
    return this.polling.size;
  }

  async close(): Promise<void> {
    this.done = true;
    this.current?.abort();
    this.wakePollers();
    await this.app.close();
  }

  get finished(): boolean {
    return this.done;
  }

  private wakePollers(): void {
    for (const w of [...this.pollers]) w();
  }

  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.pollers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      this.pollers.add(wake);
    });
  }

  private pollState(c: string): Poll {
    if (this.done) return { state: 'done' };
    const st = this.current;
    if (!st || !st.selected.has(c) || st.phase === 'closed') return { state: 'wait' };
    return { state: 'round', round: st.id, phase: st.phase };
  }

  private localConfig(): LocalConfig {
    return { ...this.o.local, proxMu: this.o.strategy.clientConfig().proxMu, ...(this.o.dp && this.o.secure && { dpClip: this.o.dp.clip }) };
  }

  private async auth(req: FastifyRequest): Promise<void> {
    const p = await verifyBearer(req.headers.authorization, this.o.tokens);
    requireScope(p, flScope(this.o.task));
  }

  private round$(client: string, round: unknown): RoundState {
    const st = this.current;
    if (!st || st.id !== round) throw new LeptonError('LEPTON_ERR_CONFLICT', `round ${String(round).slice(0, 20)} is not the current round`);
    if (!st.selected.has(client)) throw new LeptonError('LEPTON_ERR_FORBIDDEN', `client ${client} is not selected for round ${st.id}`);
    return st;
  }

  private routes(): void {
    const app = this.app;
    installFastifyErrors(app, { notFoundHint: `federated routes live under ${FL_PREFIX}` });
    app.addContentTypeParser(CODEC_CONTENT_TYPE, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.addHook('onRequest', async (req) => {
      this.bytesIn += Number(req.headers['content-length'] ?? 0);
      await this.auth(req);
    });
    app.addHook('onSend', async (_req, _reply, payload) => {
      if (typeof payload === 'string' || Buffer.isBuffer(payload)) this.bytesOut += Buffer.byteLength(payload);
      return payload;
    });
    const body = (req: FastifyRequest): Record<string, unknown> => {
      if (typeof req.body !== 'object' || req.body === null || Buffer.isBuffer(req.body)) throw invalidArgument('expected a JSON object body');
      return req.body as Record<string, unknown>;
    };
    const q = (req: FastifyRequest): Record<string, unknown> => (req.query ?? {}) as Record<string, unknown>;

    app.get(`${FL_PREFIX}/task`, async (): Promise<TaskInfo> => ({ task: this.o.task, arch: this.o.arch, vectorLength: this.global.length, secure: this.o.secure }));
    app.post(`${FL_PREFIX}/join`, async (req) => {
      this.seen.set(clientId(body(req)['client']), Date.now());
      this.current?.notify();
      return { ok: true };
    });
    // Long poll: with wait=ms the answer is held until it differs from `after` (what the client
    // already handled: "wait" or "<round>:<phase>"), so idle clients cost one request per change.
    app.get(`${FL_PREFIX}/poll`, async (req, reply): Promise<Poll> => {
      const c = clientId(q(req)['client']);
      const after = String(q(req)['after'] ?? '');
      const end = Date.now() + Math.min(Math.max(Number(q(req)['wait']) || 0, 0), 20_000);
      const key = (p: Poll): string => (p.state === 'round' ? `${p.round}:${p.phase}` : p.state);
      this.seen.set(c, Date.now());
      let p = this.pollState(c);
      this.polling.set(c, (this.polling.get(c) ?? 0) + 1);
      this.current?.notify(); // a round waiting for K clients may start now
      // a client that hangs up (killed) stops counting as live at once
      let gone = false;
      const hangUp = (): void => {
        gone = true;
        this.wakePollers();
      };
      reply.raw.once('close', hangUp); // the response closes before it is sent only when the peer hangs up
      try {
        while (key(p) === after && Date.now() < end && !gone) {
          await this.nextChange(end - Date.now());
          p = this.pollState(c);
        }
      } finally {
        reply.raw.off('close', hangUp);
        const left = this.polling.get(c)! - 1;
        if (left > 0) this.polling.set(c, left);
        else this.polling.delete(c);
      }
      this.seen.set(c, Date.now());
      if (p.state === 'done') {
        this.toldDone.add(c);
        this.current?.notify();
      }
      return p;
    });
    app.get(`${FL_PREFIX}/phase`, async (req): Promise<PhaseData> => {
      const c = clientId(q(req)['client']);
      const st = this.round$(c, q(req)['round']);
      if (st.phase === 'closed') throw new LeptonError('LEPTON_ERR_CONFLICT', 'round closed');
      return st.phaseData(c, st.phase as Phase, this.localConfig());
    });
    app.get(`${FL_PREFIX}/weights`, async (req, reply) => {
      const st = this.current;
      if (!st || st.id !== q(req)['round']) throw new LeptonError('LEPTON_ERR_CONFLICT', 'not the current round');
      return reply.type(CODEC_CONTENT_TYPE).send(Buffer.from(encodeBundle({ meta: { round: st.id }, arrays: [{ name: 'global', data: st.global }] })));
    });
    app.post(`${FL_PREFIX}/keys`, async (req) => {
      const b = body(req);
      const c = clientId(b['client']);
      this.round$(c, b['round']).acceptKeys(c, b);
      return { ok: true };
    });
    app.post(`${FL_PREFIX}/shares`, async (req) => {
      const b = body(req);
      const c = clientId(b['client']);
      this.round$(c, b['round']).acceptShares(c, b['shares']);
      return { ok: true };
    });
    app.post(`${FL_PREFIX}/update`, async (req) => {
      if (!Buffer.isBuffer(req.body)) throw new LeptonError('LEPTON_ERR_UNSUPPORTED_MEDIA_TYPE', `send the update as ${CODEC_CONTENT_TYPE}`);
      const bundle = decodeBundle(req.body);
      const c = clientId(bundle.meta['client']);
      const st = this.round$(c, bundle.meta['round']);
      if (this.o.secure) st.acceptMasked(c, requireArray(bundle, 'masked', 'u32', this.global.length));
      else {
        const delta = requireArray(bundle, 'delta', 'f32', this.global.length);
        for (let i = 0; i < delta.length; i++) {
          if (!Number.isFinite(delta[i]!)) throw new LeptonError('LEPTON_ERR_INVALID_INPUT', `update has a non-finite value at index ${i}; refused`, { details: { index: i } });
        }
        st.acceptPlain(c, delta, bundle.meta['numExamples']);
      }
      return { ok: true };
    });
    app.post(`${FL_PREFIX}/reveal`, async (req) => {
      const b = body(req);
      const c = clientId(b['client']);
      this.round$(c, b['round']).acceptReveal(c, b['shares']);
      return { ok: true };
    });
  }

  private liveClients(): string[] {
    const now = Date.now();
    return [...this.seen].filter(([c, t]) => now - t <= this.o.liveMs || this.polling.has(c)).map(([c]) => c).sort();
  }

  /** Run the remaining rounds (all of them on a fresh start, the rest after a resume). */
  async run(): Promise<RoundRecord[]> {
    const o = this.o;
    while (this.round < o.rounds) {
      const r = this.round + 1;
      const t0 = performance.now();
      const [in0, out0] = [this.bytesIn, this.bytesOut];
      let outcome: RoundOutcome | undefined;
      let attempts = 0;
      for (; attempts <= o.maxRetries && !outcome; attempts++) outcome = await this.attempt(r, attempts);
      if (!outcome) throw new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `round ${r} got fewer than ${o.minClients} updates in ${attempts} attempts`);
      const agg = o.secure
        ? aggregateSecure({ ...outcome.secure!, dp: o.dp !== undefined })
        : aggregatePlain(outcome.plain!, o.dp);
      const noiseStd = o.dp ? addDpNoise(agg, o.dp, this.rng) : undefined;
      this.global = o.strategy.aggregate(this.global, agg);
      const rec: RoundRecord = {
        round: r,
        attempts,
        selected: outcome.selected,
        clients: agg.clients,
        dropped: outcome.dropped,
        seconds: (performance.now() - t0) / 1000,
        bytesIn: this.bytesIn - in0,
        bytesOut: this.bytesOut - out0,
        ...(o.dp && { dpNoiseMultiplier: o.dp.noise, dpNoiseStd: noiseStd }),
      };
      if (o.test) {
        const e0 = performance.now();
        Object.assign(rec, evaluateVector(o.arch, this.global, o.test));
        rec.evalSeconds = (performance.now() - e0) / 1000;
      }
      this.round = r;
      this.history.push(rec);
      if (o.checkpointDir) saveCheckpoint(o.checkpointDir, { task: o.task, strategy: o.strategy.name, round: r, global: this.global, state: o.strategy.state(), history: this.history });
      o.onRound?.(rec);
      if (o.stopWhen?.(rec)) break;
    }
    this.done = true;
    this.wakePollers();
    return this.history;
  }

  private async attempt(round: number, attempt: number): Promise<RoundOutcome | undefined> {
    const o = this.o;
    const ro = { ...o, onPhase: () => this.wakePollers() };
    const probe = new RoundState(`${round}.${attempt}`, new Set(), this.global, ro, []);
    this.current = probe;
    // wait (one deadline at most) for K clients waiting on a poll; go on with ≥ M live ones after that
    await probe.waitUntil(() => this.polling.size >= o.clientsPerRound, o.deadlineMs);
    const live = this.liveClients();
    if (live.length < o.minClients) return undefined;
    // a seeded draw from the sorted live set: the same clients every run when the same ones are up
    const candidates = [...live];
    new Rng(o.seed * 1_000_003 + round * 101 + attempt).shuffle(candidates);
    const st = new RoundState(probe.id, new Set(candidates.slice(0, o.clientsPerRound)), this.global, ro, live);
    this.current = st;
    this.wakePollers();
    try {
      return await st.run();
    } finally {
      st.phase = 'closed';
      this.wakePollers();
    }
  }
}
