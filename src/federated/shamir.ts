/**
 * Shamir secret sharing (1979), written by hand because it is small: a secret s becomes the
 * constant term of a random polynomial f of degree t−1 over the prime field GF(p), and share i is
 * (i, f(i)). Any t shares give s back by Lagrange interpolation at 0; t−1 shares are consistent
 * with every possible s, so they reveal nothing.
 *
 * p = 2^521 − 1 (a Mersenne prime), so any secret up to 65 bytes — a 32-byte X25519 private key
 * or mask seed — is one field element with no chunking. Arithmetic is BigInt; a round shares two
 * secrets per client, so speed is not a concern at federated-learning client counts.
 */
import { randomBytes } from 'node:crypto';
import { invalidArgument } from '../core/errors.js';

export const SHAMIR_PRIME = (1n << 521n) - 1n;
const P = SHAMIR_PRIME;

export interface Share {
  /** Evaluation point, 1 … n (never 0: f(0) is the secret). */
  x: number;
  /** f(x) as lowercase hex. */
  y: string;
}

const mod = (a: bigint): bigint => ((a % P) + P) % P;

function randomField(): bigint {
  // 66 random bytes reduced mod p: the bias is < 2^-7, irrelevant for coefficients that only need to be unpredictable
  return mod(BigInt(`0x${randomBytes(66).toString('hex')}`));
}

function inverse(a: bigint): bigint {
  // extended Euclid; a ≠ 0 mod p
  let [r0, r1] = [mod(a), P];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0);
}

const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`));

/** Split `secret` (≤ 65 bytes) into n shares, any `t` of which recover it. */
export function split(secret: Uint8Array, n: number, t: number): Share[] {
  if (secret.length > 65) throw invalidArgument('shamir: secrets are at most 65 bytes');
  if (!Number.isInteger(n) || !Number.isInteger(t) || t < 1 || t > n) throw invalidArgument(`shamir: need 1 ≤ t ≤ n, got t=${t} n=${n}`);
  const coeffs = [toBig(secret)];
  for (let i = 1; i < t; i++) coeffs.push(randomField());
  const shares: Share[] = [];
  for (let x = 1; x <= n; x++) {
    let y = 0n;
    const bx = BigInt(x);
    for (let i = coeffs.length - 1; i >= 0; i--) y = mod(y * bx + coeffs[i]!); // Horner
    shares.push({ x, y: y.toString(16) });
  }
  return shares;
}

/** Lagrange weights λ_j = Π_{m≠j} x_m / (x_m − x_j) for interpolating at 0 from points xs. */
export function lagrangeAtZero(xs: readonly number[]): bigint[] {
  if (new Set(xs).size !== xs.length || xs.some((x) => !Number.isInteger(x) || x < 1)) throw invalidArgument('shamir: share points must be distinct positive integers');
  return xs.map((xj, j) => {
    let num = 1n;
    let den = 1n;
    xs.forEach((xm, m) => {
      if (m === j) return;
      num = mod(num * BigInt(xm));
      den = mod(den * BigInt(xm - xj));
    });
    return mod(num * inverse(den));
  });
}

/**
 * Recover a secret of `bytes` bytes from ≥ t shares. With fewer than t shares the result is an
 * unrelated value, not an error: the caller must know t (the server does: it set it).
 * `weights` lets a caller reuse λ for many secrets shared over the same points.
 */
export function combine(shares: readonly Share[], bytes: number, weights?: readonly bigint[]): Uint8Array {
  if (shares.length === 0) throw invalidArgument('shamir: no shares');
  const lam = weights ?? lagrangeAtZero(shares.map((s) => s.x));
  let s = 0n;
  shares.forEach((sh, j) => {
    if (!/^[0-9a-f]{1,131}$/.test(sh.y)) throw invalidArgument('shamir: share value must be hex');
    s = mod(s + BigInt(`0x${sh.y}`) * lam[j]!);
  });
  const hex = s.toString(16).padStart(bytes * 2, '0');
  if (hex.length > bytes * 2) throw invalidArgument('shamir: shares do not combine to a secret of that size (too few or corrupt shares)');
  return Buffer.from(hex, 'hex');
}
