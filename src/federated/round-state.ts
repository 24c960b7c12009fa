/**
 * One attempt of one round on the server: who was selected, the phase, what each client sent,
 * and the checks that keep a malformed or out-of-turn message from ever reaching aggregation
 * (wrong phase or duplicate → 409, not selected → 403, bad fields → 400).
 */
import { LeptonError, invalidArgument } from '../core/errors.js';
import type { DpOptions } from './aggregate.js';
import type { LocalConfig, Phase, PhaseData } from './protocol.js';
import { defaultThreshold, type AdvertisedKeys, type RevealedShare } from './secagg.js';

export interface RoundOutcome {
  selected: number;
  dropped: string[];
  plain?: Array<{ delta: Float32Array; numExamples: number }>;
  secure?: {
    roundId: string;
    u2: Array<AdvertisedKeys & { numExamples: number }>;
    survivors: string[];
    masked: Uint32Array[];
    revealed: RevealedShare[][];
    threshold: number;
  };
}

interface RoundOptions {
  /** Called whenever the phase changes (the server wakes its long polls). */
  onPhase?: () => void;
  secure: boolean;
  minClients: number;
  threshold?: number;
  deadlineMs: number;
  dp?: DpOptions;
}

type Keys = AdvertisedKeys & { numExamples: number };

const X25519_B64 = /^[A-Za-z0-9_-]{43}$/;
const conflict = (m: string): LeptonError => new LeptonError('LEPTON_ERR_CONFLICT', m);

function examples(v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 1e9) throw invalidArgument('numExamples must be a positive integer', { field: 'numExamples' });
  return v as number;
}

export class RoundState {
  phase: Phase | 'closed';
  private readonly keys = new Map<string, Keys>();
  private readonly shares = new Map<string, Record<string, string>>();
  private readonly masked = new Map<string, Uint32Array>();
  private readonly plain = new Map<string, { delta: Float32Array; numExamples: number }>();
  private readonly reveals = new Map<string, RevealedShare[]>();
  private u1: string[] = [];
  private u2: string[] = [];
  private u3: string[] = [];
  private t = 0;
  private waiters = new Set<() => void>();
  private aborted = false;

  constructor(
    readonly id: string,
    readonly selected: ReadonlySet<string>,
    readonly global: Float32Array,
    private readonly o: RoundOptions,
    readonly live: readonly string[],
  ) {
    this.phase = o.secure ? 'advertise' : 'train';
  }

  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  abort(): void {
    this.aborted = true;
    this.notify();
  }

  /** Resolve when `pred` holds (re-checked on every message) or after `ms`. Returns pred(). */
  async waitUntil(pred: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!pred() && !this.aborted && Date.now() < end) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, end - Date.now()));
        this.waiters.add(wake);
      });
    }
    return pred();
  }

  private expect(phase: Phase, client: string, among: readonly string[] | ReadonlySet<string>, seen: Map<string, unknown>): void {
    if (this.phase !== phase) throw conflict(`round ${this.id} is in phase ${this.phase}, not ${phase}`);
    const ok = among instanceof Set ? among.has(client) : (among as readonly string[]).includes(client);
    if (!ok) throw new LeptonError('LEPTON_ERR_FORBIDDEN', `client ${client} is not part of phase ${phase} of round ${this.id}`);
    if (seen.has(client)) throw conflict(`client ${client} already answered phase ${phase}`);
  }

  acceptKeys(client: string, b: Record<string, unknown>): void {
    this.expect('advertise', client, this.selected, this.keys);
    const { cPub, sPub } = b;
    if (typeof cPub !== 'string' || typeof sPub !== 'string' || !X25519_B64.test(cPub) || !X25519_B64.test(sPub) || cPub === sPub) {
      throw invalidArgument('cPub and sPub must be two different raw X25519 public keys (base64url)');
    }
    this.keys.set(client, { id: client, cPub, sPub, numExamples: examples(b['numExamples']) });
    this.notify();
  }

  acceptShares(client: string, shares: unknown): void {
    this.expect('share', client, this.u1, this.shares);
    if (typeof shares !== 'object' || shares === null || Array.isArray(shares)) throw invalidArgument('shares must be an object keyed by recipient');
    const s = shares as Record<string, unknown>;
    if (Object.keys(s).length !== this.u1.length || !this.u1.every((v) => typeof s[v] === 'string' && (s[v] as string).length <= 8192)) {
      throw invalidArgument(`shares must hold one ciphertext for each of the ${this.u1.length} clients of U1`);
    }
    this.shares.set(client, s as Record<string, string>);
    this.notify();
  }

  acceptMasked(client: string, y: Uint32Array): void {
    this.expect('train', client, this.u2, this.masked);
    this.masked.set(client, y);
    this.notify();
  }

  acceptPlain(client: string, delta: Float32Array, numExamples: unknown): void {
    this.expect('train', client, this.selected, this.plain);
    this.plain.set(client, { delta, numExamples: examples(numExamples) });
    this.notify();
  }

  acceptReveal(client: string, shares: unknown): void {
    this.expect('unmask', client, this.u3, this.reveals);
    if (!Array.isArray(shares) || shares.length > this.u2.length) throw invalidArgument('shares must be a list with at most one entry per client of U2');
    const surv = new Set(this.u3);
    const out: RevealedShare[] = [];
    for (const r of shares as Array<Partial<RevealedShare>>) {
      const owner = r?.owner;
      const ok =
        typeof owner === 'string' &&
        this.u2.includes(owner) &&
        (r.kind === 'b' ? surv.has(owner) : r.kind === 'sk' && !surv.has(owner)) &&
        Number.isInteger(r.share?.x) &&
        typeof r.share?.y === 'string' &&
        /^[0-9a-f]{1,131}$/.test(r.share.y);
      if (!ok) throw invalidArgument('each revealed share needs an owner in U2, kind b for survivors or sk for dropped clients, and {x, y hex}');
      out.push({ owner, kind: r.kind!, share: { x: r.share!.x, y: r.share!.y } });
    }
    this.reveals.set(client, out);
    this.notify();
  }

  phaseData(client: string, phase: Phase, config: LocalConfig): PhaseData {
    const base: PhaseData = { round: this.id, phase, config };
    if (phase === 'share') return { ...base, u1: this.u1.map((id) => this.pub(id)), threshold: this.t };
    if (phase === 'train' && this.o.secure) {
      const inbox: Record<string, string> = {};
      for (const w of this.u2) inbox[w] = this.shares.get(w)![client]!;
      return { ...base, u2: this.u2.map((id) => this.keys.get(id)!), inbox };
    }
    if (phase === 'unmask') return { ...base, survivors: [...this.u3] };
    return base;
  }

  private pub(id: string): AdvertisedKeys {
    const k = this.keys.get(id)!;
    return { id, cPub: k.cPub, sPub: k.sPub };
  }

  private async step(phase: Phase, done: () => boolean): Promise<void> {
    this.phase = phase;
    this.notify();
    this.o.onPhase?.();
    await this.waitUntil(done, this.o.deadlineMs);
  }

  /** Drive the phases; undefined when too few clients stayed (the caller retries the round). */
  async run(): Promise<RoundOutcome | undefined> {
    const M = this.o.minClients;
    const dropped = (kept: readonly string[]): string[] => [...this.selected].filter((c) => !kept.includes(c)).sort();
    if (!this.o.secure) {
      await this.step('train', () => this.plain.size === this.selected.size);
      const got = [...this.plain.keys()].sort();
      if (got.length < M) return undefined;
      return { selected: this.selected.size, dropped: dropped(got), plain: got.map((c) => this.plain.get(c)!) };
    }
    await this.step('advertise', () => this.keys.size === this.selected.size);
    this.u1 = [...this.keys.keys()].sort();
    if (this.u1.length < M) return undefined;
    this.t = Math.min(this.u1.length, this.o.threshold ?? defaultThreshold(this.u1.length));
    const enough = Math.max(M, this.t);
    await this.step('share', () => this.shares.size === this.u1.length);
    this.u2 = [...this.shares.keys()].sort();
    if (this.u2.length < enough) return undefined;
    await this.step('train', () => this.masked.size === this.u2.length);
    this.u3 = [...this.masked.keys()].sort();
    if (this.u3.length < enough) return undefined;
    await this.step('unmask', () => this.reveals.size === this.u3.length);
    if (this.reveals.size < this.t) return undefined;
    return {
      selected: this.selected.size,
      dropped: dropped(this.u3),
      secure: {
        roundId: this.id,
        u2: this.u2.map((id) => this.keys.get(id)!),
        survivors: [...this.u3],
        masked: this.u3.map((c) => this.masked.get(c)!),
        revealed: [...this.reveals.values()],
        threshold: this.t,
      },
    };
  }
}
