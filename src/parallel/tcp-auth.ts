/**
 * Mutual authentication of tcp peers with a shared secret: HMAC-SHA256 challenge-response. Each
 * side proves it knows the secret over the other's fresh nonce, so the secret never crosses the
 * wire and a recorded handshake cannot be replayed. The secret comes from the caller (the CLI reads
 * LEPTON_DIST_SECRET or a file); nothing here reads the environment.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LeptonError } from '../core/errors.js';
import { type Link } from './tcp-wire.js';

const PROTOCOL = 'lepton-dist-v1';
/** Shortest secret accepted: 16 bytes, so it cannot be guessed offline from one handshake. */
export const MIN_SECRET_BYTES = 16;

export function checkSecret(secret: string | Uint8Array): Buffer {
  const b = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (b.length < MIN_SECRET_BYTES) {
    throw new LeptonError('LEPTON_ERR_INVALID_ARGUMENT', `the distributed-training secret must be at least ${MIN_SECRET_BYTES} bytes (got ${b.length})`);
  }
  return b;
}

function mac(secret: Buffer, role: 'client' | 'server', mine: string, theirs: string): string {
  return createHmac('sha256', secret).update(`${PROTOCOL}|${role}|${theirs}|${mine}`).digest('hex');
}

function same(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function field(v: unknown, name: string): unknown {
  return v && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined;
}

const unauthenticated = (m: string): LeptonError => new LeptonError('LEPTON_ERR_UNAUTHENTICATED', m);

/** Accepting side: challenge, check the answer, then answer the peer's challenge. */
export async function authenticateServer(link: Link, secret: Buffer): Promise<void> {
  const nonce = randomBytes(32).toString('hex');
  link.sendJson({ type: 'challenge', protocol: PROTOCOL, nonce });
  const answer = await link.nextJson();
  const theirs = field(answer, 'nonce');
  if (typeof theirs !== 'string' || theirs.length !== 64 || !same(field(answer, 'mac'), mac(secret, 'client', theirs, nonce))) {
    link.sendJson({ type: 'refuse', code: 'LEPTON_ERR_UNAUTHENTICATED', message: 'authentication failed: the shared secret differs' });
    throw unauthenticated('a peer failed authentication (wrong shared secret)');
  }
  link.sendJson({ type: 'proof', mac: mac(secret, 'server', nonce, theirs) });
}

/** Connecting side: answer the challenge with our own nonce, then check the server's proof. */
export async function authenticateClient(link: Link, secret: Buffer): Promise<void> {
  const challenge = await link.nextJson();
  const theirs = field(challenge, 'nonce');
  if (field(challenge, 'protocol') !== PROTOCOL || typeof theirs !== 'string') throw unauthenticated('peer does not speak the lepton distributed protocol');
  const nonce = randomBytes(32).toString('hex');
  link.sendJson({ type: 'answer', nonce, mac: mac(secret, 'client', nonce, theirs) });
  const proof = await link.nextJson();
  if (field(proof, 'type') === 'refuse') throw unauthenticated(String(field(proof, 'message')));
  if (!same(field(proof, 'mac'), mac(secret, 'server', theirs, nonce))) throw unauthenticated('the peer failed authentication (wrong shared secret)');
}
