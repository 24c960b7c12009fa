// Secure aggregation properties: masks cancel exactly (with and without a dropout), and a single
// masked vector is indistinguishable from uniform and uncorrelated with the plain update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../core/rng.js';
import { createCipheriv, createHash } from 'node:crypto';
import { SecAggClient, addInto, addPrg, decodeFixed, encodeFixed, prg, unmaskSum, type AdvertisedKeys } from './secagg.js';

const D = 4096;
const rid = 'r1.0';

function setup(n: number, t: number) {
  const rng = new Rng(9);
  const clients = Array.from({ length: n }, (_, i) => new SecAggClient(`c${i}`, rid));
  const keys: AdvertisedKeys[] = clients.map((c) => c.advertise());
  const xs = clients.map(() => Float32Array.from({ length: D }, () => rng.normal(0, 0.05)));
  const sent = clients.map((c) => c.makeShares(keys, t));
  const inbox = (id: string): Record<string, string> => Object.fromEntries(clients.map((c, i) => [c.id, sent[i]![id]!]));
  return { clients, keys, xs, inbox };
}

test('the unmasked sum equals the plain fixed-point sum exactly', () => {
  const { clients, keys, xs, inbox } = setup(5, 3);
  const ys = clients.map((c, i) => c.mask(encodeFixed(xs[i]!), keys));
  const sum = new Uint32Array(D);
  for (const y of ys) addInto(sum, y);
  const ids = clients.map((c) => c.id);
  const revealed = clients.slice(0, 3).map((c) => c.reveal(inbox(c.id), keys, ids));
  const got = unmaskSum(sum, rid, keys, ids, revealed, 3);
  const want = new Uint32Array(D);
  for (const x of xs) addInto(want, encodeFixed(x));
  assert.deepEqual(got, want);
  const plain = decodeFixed(got);
  for (let i = 0; i < D; i++) assert.ok(Math.abs(plain[i]! - xs.reduce((s, x) => s + x[i]!, 0)) < 5 * 2 ** -20);
});

test('a client that drops after sharing: survivors reveal its mask key and the masks still cancel', () => {
  const { clients, keys, xs, inbox } = setup(5, 3);
  const dead = 2;
  const survivors = clients.filter((_, i) => i !== dead).map((c) => c.id);
  const sum = new Uint32Array(D);
  clients.forEach((c, i) => i !== dead && addInto(sum, c.mask(encodeFixed(xs[i]!), keys)));
  const revealed = clients.filter((_, i) => i !== dead).map((c) => c.reveal(inbox(c.id), keys, survivors));
  assert.ok(revealed[0]!.some((r) => r.owner === 'c2' && r.kind === 'sk'));
  assert.ok(!revealed[0]!.some((r) => r.owner === 'c2' && r.kind === 'b'), 'never both secrets of one client');
  const got = unmaskSum(sum, rid, keys, survivors, revealed, 3);
  const want = new Uint32Array(D);
  xs.forEach((x, i) => i !== dead && addInto(want, encodeFixed(x)));
  assert.deepEqual(got, want);
});

test('too few survivors: clients refuse to reveal and the server cannot unmask', () => {
  const { clients, keys, inbox } = setup(4, 3);
  assert.throws(() => clients[0]!.reveal(inbox('c0'), keys, ['c0', 'c1']), /below the threshold/);
  assert.throws(() => unmaskSum(new Uint32Array(D), rid, keys, ['c0', 'c1', 'c2'], [[], []], 3), /threshold is 3/);
});

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) (ma += a[i]!), (mb += b[i]!);
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('one masked vector looks uniform and is uncorrelated with the update, even with all but one mask removed', () => {
  const { clients, keys, xs } = setup(4, 3);
  const x = encodeFixed(xs[0]!);
  const y = clients[0]!.mask(x, keys);
  // uniform over Z/2^32: every bit set about half the time (D·32 Bernoulli(½): σ of the mean ≈ 0.0014)
  let ones = 0;
  for (const v of y) for (let b = 0; b < 32; b++) ones += (v >>> b) & 1;
  assert.ok(Math.abs(ones / (D * 32) - 0.5) < 0.01, `bit balance ${ones / (D * 32)}`);
  const signed = (q: Uint32Array) => Array.from(q, (v) => v | 0);
  assert.ok(Math.abs(correlation(signed(y), xs[0]!)) < 0.06, 'masked vs plain');
  // a server that strips everything it could learn with t−1 colluders still holds one unknown pairwise mask
  const partial = y.slice();
  addInto(partial, clients[0]!.mask(new Uint32Array(D), keys.slice(0, 3)), -1);
  assert.ok(Math.abs(correlation(signed(partial), xs[0]!)) < 0.06, 'one remaining mask still hides it');
  const full = y.slice();
  addInto(full, clients[0]!.mask(new Uint32Array(D), keys), -1);
  assert.deepEqual(full, x, 'removing every mask gives the update back: the masks are the only protection');
});

test('addPrg streams the AES-256-CTR keystream in chunks: the same values as adding the whole keystream at once', () => {
  // the reference: one keystream of the whole vector, added value by value mod 2^32 (the masks' definition)
  const whole = (seed: Uint8Array, label: string, n: number): Uint32Array => {
    const c = createCipheriv('aes-256-ctr', createHash('sha256').update(label).update(seed).digest(), Buffer.alloc(16));
    const b = Buffer.concat([c.update(Buffer.alloc(n * 4)), c.final()]);
    return new Uint32Array(Uint8Array.prototype.slice.call(b).buffer, 0, n);
  };
  const seed = Buffer.alloc(32, 7);
  // lengths below, at and past the 16k-value chunk, and one not a multiple of it
  for (const n of [5, 16 * 1024, 16 * 1024 + 3, 50_001]) {
    const base = Uint32Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 0);
    const ks = whole(seed, 'lbl', n);
    const plus = base.slice();
    addPrg(plus, seed, 'lbl', 1);
    const minus = base.slice();
    addPrg(minus, seed, 'lbl', -1);
    for (let i = 0; i < n; i++) {
      assert.equal(plus[i], (base[i]! + ks[i]!) >>> 0);
      assert.equal(minus[i], (base[i]! - ks[i]!) >>> 0);
    }
    assert.deepEqual(prg(seed, 'lbl', n), ks);
  }
  // a subarray target at an offset is masked in place, its neighbours untouched
  const buf = new Uint32Array(10);
  addPrg(buf.subarray(2, 7), seed, 'lbl');
  assert.deepEqual([...buf.subarray(2, 7)], [...whole(seed, 'lbl', 5)]);
  assert.deepEqual([buf[0], buf[1], buf[7], buf[8], buf[9]], [0, 0, 0, 0, 0]);
});

test('addInto wraps mod 2^32 in both directions', () => {
  const a = Uint32Array.of(0, 2 ** 32 - 1, 2 ** 31, 5);
  addInto(a, Uint32Array.of(1, 1, 2 ** 31, 7));
  assert.deepEqual([...a], [1, 0, 0, 12]);
  addInto(a, Uint32Array.of(2, 1, 1, 12), -1);
  assert.deepEqual([...a], [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 0]);
});
