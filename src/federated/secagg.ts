/**
 * Secure aggregation after Bonawitz et al. 2017 ("Practical Secure Aggregation for Privacy-
 * Preserving Machine Learning"), the double-masking protocol with dropout tolerance:
 *
 *  1. advertise  each client u makes two X25519 key pairs, c_u (to encrypt shares) and s_u (to
 *                agree pairwise masks), and a 32-byte self-mask seed b_u. Survivors: U1.
 *  2. share      u Shamir-shares b_u and the private s_u (threshold t, shamir.ts) among U1 and sends
 *                share v to v, AES-256-GCM-encrypted under a key from DH(c_u, c_v); the server
 *                relays ciphertexts it cannot read. Survivors: U2.
 *  3. mask       u sends y_u = x_u + PRG(b_u) + Σ_{v∈U2, v≠u} ±PRG(s_uv) (mod 2^32), with
 *                s_uv = H(DH(s_u, s_v)) and + when u < v, − otherwise. Survivors: U3.
 *  4. unmask     each survivor reveals, per client w, the share of b_w if w ∈ U3 or of s_w if
 *                w ∈ U2∖U3, never both. From t of them the server removes every self mask and the
 *                dropped clients' dangling pairwise masks; pairs inside U3 cancel by themselves.
 *
 * Fixed point: x_u is clip(v, ±FIXED_CLIP)·2^20 rounded, in Z/2^32 (two's complement). The
 * server aggregates example-weighted deltas (weights sum to ≤ 1), so |Σ| ≤ 1024 < 2^31/2^20 and
 * the sum decodes without wrapping; resolution is 2^-20 ≈ 1e-6 per coordinate.
 * What a single y_u shows the server is x_u plus a uniformly random vector: nothing.
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { combine, lagrangeAtZero, split, type Share } from './shamir.js';

export const FIXED_SCALE = 2 ** 20;
export const FIXED_CLIP = 1024;

/** float → Z/2^32 fixed point (clipped to ±FIXED_CLIP). */
export function encodeFixed(v: Float32Array): Uint32Array {
  const q = new Uint32Array(v.length);
  for (let i = 0; i < v.length; i++) q[i] = Math.round(Math.max(-FIXED_CLIP, Math.min(FIXED_CLIP, v[i]!)) * FIXED_SCALE); // ToUint32 wraps negatives
  return q;
}

export function decodeFixed(q: Uint32Array): Float32Array {
  const v = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) v[i] = (q[i]! | 0) / FIXED_SCALE; // | 0 reads it as int32
  return v;
}

/** a ← a + sign·b (mod 2^32). */
export function addInto(a: Uint32Array, b: Uint32Array, sign: 1 | -1 = 1): void {
  // int32 views keep the loop in small-integer arithmetic: `| 0` wraps exactly like mod 2^32
  // (a float multiply by ±1 then ToUint32 on store was ~3× slower)
  const ai = new Int32Array(a.buffer, a.byteOffset, a.length);
  const bi = new Int32Array(b.buffer, b.byteOffset, b.length);
  if (sign === 1) for (let i = 0; i < ai.length; i++) ai[i] = (ai[i]! + bi[i]!) | 0;
  else for (let i = 0; i < ai.length; i++) ai[i] = (ai[i]! - bi[i]!) | 0;
}

/** Keystream chunk (values): masks are made and added 16k values at a time, never as a whole vector. */
const PRG_CHUNK = 16 * 1024;
const ZEROS = Buffer.alloc(PRG_CHUNK * 4);

function prgCipher(seed: Uint8Array, label: string): ReturnType<typeof createCipheriv> {
  const key = createHash('sha256').update(label).update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
}

/**
 * target ← target + sign·PRG(seed, label) (mod 2^32), streaming the keystream in chunks: the same
 * values as addInto(target, prg(…), sign) without allocating (and zero-filling, and copying) one
 * vector-sized buffer per peer. With 100 clients a round that is 99 masks per client.
 */
export function addPrg(target: Uint32Array, seed: Uint8Array, label: string, sign: 1 | -1 = 1): void {
  const c = prgCipher(seed, label);
  const t = new Int32Array(target.buffer, target.byteOffset, target.length);
  for (let off = 0; off < t.length; off += PRG_CHUNK) {
    const n = Math.min(PRG_CHUNK, t.length - off);
    const ks = c.update(n === PRG_CHUNK ? ZEROS : ZEROS.subarray(0, n * 4));
    // the cipher's output buffer may sit at any byte offset: read it aligned
    const k = ks.byteOffset % 4 === 0 ? new Int32Array(ks.buffer, ks.byteOffset, n) : new Int32Array(Uint8Array.prototype.slice.call(ks).buffer, 0, n);
    if (sign === 1) for (let i = 0; i < n; i++) t[off + i] = (t[off + i]! + k[i]!) | 0;
    else for (let i = 0; i < n; i++) t[off + i] = (t[off + i]! - k[i]!) | 0;
  }
}

/** A pseudorandom Z/2^32 vector: AES-256-CTR keystream under H(label ‖ seed) (what addPrg adds). */
export function prg(seed: Uint8Array, label: string, length: number): Uint32Array {
  const out = new Uint32Array(length);
  addPrg(out, seed, label);
  return out;
}

/** A client's public keys as the server relays them (raw X25519, base64url). */
export interface AdvertisedKeys {
  id: string;
  cPub: string;
  sPub: string;
}

/** What a survivor reveals about client `owner`. */
export interface RevealedShare {
  owner: string;
  kind: 'b' | 'sk';
  share: Share;
}

const pub = (x: string): KeyObject => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
const priv = (d: string, x: string): KeyObject => createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x }, format: 'jwk' });
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

function keyPair(): { priv: KeyObject; x: string; d: string } {
  const k = generateKeyPairSync('x25519');
  const j = k.privateKey.export({ format: 'jwk' });
  return { priv: k.privateKey, x: j.x!, d: j.d! };
}

/** The pairwise mask seed of s-keys u and v: the same bytes on both sides. */
function pairSeed(mine: KeyObject, theirPub: string): Buffer {
  return createHash('sha256').update('lfl-pair').update(diffieHellman({ privateKey: mine, publicKey: pub(theirPub) })).digest();
}

/** Sign of u's pairwise mask with v: + for the smaller id. */
const pairSign = (u: string, v: string): 1 | -1 => (u < v ? 1 : -1);

/** The x coordinate of each client's share: its 1-based rank in the sorted roster. */
export function sharePoints(ids: readonly string[]): Map<string, number> {
  return new Map([...ids].sort().map((id, i) => [id, i + 1]));
}

function checkRoster(ids: readonly string[]): void {
  if (new Set(ids).size !== ids.length) throw invalidArgument('secure aggregation roster lists a client twice');
}

/** One client's side of one round. Keys and seeds are fresh per round and never leave in clear. */
export class SecAggClient {
  private readonly c = keyPair();
  private readonly s = keyPair();
  private readonly b = randomBytes(32);
  private t = 0;
  private u1: string[] = [];

  constructor(
    readonly id: string,
    readonly roundId: string,
  ) {}

  advertise(): AdvertisedKeys {
    return { id: this.id, cPub: this.c.x, sPub: this.s.x };
  }

  private encKey(other: AdvertisedKeys): Buffer {
    return createHash('sha256').update('lfl-enc').update(diffieHellman({ privateKey: this.c.priv, publicKey: pub(other.cPub) })).digest();
  }

  /** Step 2: encrypted shares of b_u and s_u for each client in U1 (this one included), by recipient id. */
  makeShares(u1: readonly AdvertisedKeys[], t: number): Record<string, string> {
    checkRoster(u1.map((k) => k.id));
    if (!u1.some((k) => k.id === this.id)) throw invalidArgument('roster does not include this client');
    this.t = t;
    this.u1 = u1.map((k) => k.id);
    const points = sharePoints(this.u1);
    const bShares = split(this.b, u1.length, t);
    const skShares = split(Buffer.from(this.s.d, 'base64url'), u1.length, t);
    const out: Record<string, string> = {};
    for (const v of u1) {
      const x = points.get(v.id)!;
      const body = Buffer.from(JSON.stringify({ from: this.id, to: v.id, x, b: bShares[x - 1]!.y, sk: skShares[x - 1]!.y }));
      const iv = randomBytes(12);
      const g = createCipheriv('aes-256-gcm', this.encKey(v), iv);
      g.setAAD(Buffer.from(`${this.roundId}|${this.id}|${v.id}`));
      out[v.id] = b64(Buffer.concat([iv, g.update(body), g.final(), g.getAuthTag()]));
    }
    return out;
  }

  /** Step 3: mask the fixed-point update for the clients in U2 (those whose shares went out). */
  mask(x: Uint32Array, u2: readonly AdvertisedKeys[]): Uint32Array {
    checkRoster(u2.map((k) => k.id));
    const y = x.slice();
    addPrg(y, this.b, `lfl-self|${this.roundId}`);
    for (const v of u2) {
      if (v.id === this.id) continue;
      addPrg(y, pairSeed(this.s.priv, v.sPub), `lfl-mask|${this.roundId}`, pairSign(this.id, v.id));
    }
    return y;
  }

  /**
   * Step 4: decrypt the shares received (by sender id, from U2) and reveal b-shares of survivors
   * and s-shares of dropped clients. Refuses a request that names a client both ways (that would
   * hand the server both secrets of one client, i.e. its unmasked update) or has < t survivors.
   */
  reveal(inbox: Readonly<Record<string, string>>, u2: readonly AdvertisedKeys[], survivors: readonly string[]): RevealedShare[] {
    const surv = new Set(survivors);
    if (!survivors.every((s) => u2.some((k) => k.id === s))) throw invalidArgument('unmask request names a survivor outside U2');
    if (surv.size < this.t) throw new LeptonError('LEPTON_ERR_CONFLICT', `only ${surv.size} survivors, below the threshold ${this.t}: refusing to unmask`);
    const out: RevealedShare[] = [];
    for (const w of u2) {
      const ct = inbox[w.id];
      if (ct === undefined) continue;
      const raw = Buffer.from(ct, 'base64url');
      if (raw.length < 29) throw invalidArgument(`share from ${w.id} is truncated`);
      const d = createDecipheriv('aes-256-gcm', this.encKey(w), raw.subarray(0, 12));
      d.setAAD(Buffer.from(`${this.roundId}|${w.id}|${this.id}`));
      d.setAuthTag(raw.subarray(raw.length - 16));
      let body: { from: string; to: string; x: number; b: string; sk: string };
      try {
        body = JSON.parse(Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8')) as typeof body;
      } catch {
        throw new LeptonError('LEPTON_ERR_INTEGRITY', `share from ${w.id} failed authentication`);
      }
      if (body.from !== w.id || body.to !== this.id) throw new LeptonError('LEPTON_ERR_INTEGRITY', `share from ${w.id} is addressed wrongly`);
      out.push(surv.has(w.id) ? { owner: w.id, kind: 'b', share: { x: body.x, y: body.b } } : { owner: w.id, kind: 'sk', share: { x: body.x, y: body.sk } });
    }
    return out;
  }
}

/**
 * The server's step 4: remove the masks from Σ_{u∈U3} y_u given the survivors' revealed shares
 * (at least t revealers). Returns Σ_{u∈U3} x_u exactly (mod 2^32).
 */
export function unmaskSum(sum: Uint32Array, roundId: string, u2: readonly AdvertisedKeys[], survivors: readonly string[], revealed: ReadonlyArray<readonly RevealedShare[]>, t: number): Uint32Array {
  if (revealed.length < t) throw new LeptonError('LEPTON_ERR_CONFLICT', `${revealed.length} clients revealed shares, the threshold is ${t}`);
  const out = sum.slice();
  const surv = new Set(survivors);
  const keys = new Map(u2.map((k) => [k.id, k]));
  const weightsFor = new Map<string, bigint[]>();
  const recover = (owner: string, kind: 'b' | 'sk'): Buffer => {
    const shares: Share[] = [];
    for (const r of revealed) {
      const s = r.find((x) => x.owner === owner && x.kind === kind);
      if (s) shares.push(s.share);
      if (shares.length === t) break;
    }
    if (shares.length < t) throw new LeptonError('LEPTON_ERR_CONFLICT', `only ${shares.length} shares of ${owner}'s ${kind === 'b' ? 'self-mask seed' : 'mask key'}, need ${t}`);
    const pointsKey = shares.map((s) => s.x).join(',');
    let lam = weightsFor.get(pointsKey);
    if (!lam) weightsFor.set(pointsKey, (lam = lagrangeAtZero(shares.map((s) => s.x))));
    return Buffer.from(combine(shares, 32, lam));
  };
  for (const u of survivors) addPrg(out, recover(u, 'b'), `lfl-self|${roundId}`, -1);
  for (const k of u2) {
    if (surv.has(k.id)) continue;
    const sk = priv(recover(k.id, 'sk').toString('base64url'), k.sPub);
    for (const v of survivors) {
      const vk = keys.get(v);
      if (!vk) throw invalidArgument(`survivor ${v} is not in U2`);
      // v's vector holds sign(v, dropped)·m; take it out
      addPrg(out, pairSeed(sk, vk.sPub), `lfl-mask|${roundId}`, pairSign(v, k.id) === 1 ? -1 : 1);
    }
  }
  return out;
}

/** Default threshold: a strict majority of U1 (Bonawitz et al.'s t > n/2 against a curious server), at least 2. */
export function defaultThreshold(n: number): number {
  return Math.min(n, Math.max(2, Math.floor(n / 2) + 1));
}
