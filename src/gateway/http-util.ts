/**
 * Small HTTP helpers for the proxy: hop-by-hop header filtering and the body-size error. Errors
 * are written by core/http-errors.ts `sendError`, the one envelope writer.
 */
import { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { LeptonError } from '../core/errors.js';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus ones we recompute. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/** Copy request headers for the upstream, dropping hop-by-hop ones and adding x-forwarded-*. */
export function upstreamHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const h: IncomingHttpHeaders = req.headers;
  for (const k in h) {
    const v = h[k];
    if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  }
  const peer = req.socket.remoteAddress ?? '';
  const prior = h['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${peer}` : peer;
  if (h.host) out['x-forwarded-host'] = h.host;
  // the front door may terminate TLS itself; replicas behind it always speak plain HTTP
  out['x-forwarded-proto'] = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return out;
}

/** Copy response headers back to the client, minus hop-by-hop ones (content-length is kept). */
export function downstreamHeaders(h: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k in h) {
    const v = h[k];
    if (v !== undefined && (k === 'content-length' || !HOP_BY_HOP.has(k))) out[k] = v;
  }
  return out;
}

/** The 413 for a body over the gateway's limit (the proxy buffers bodies so a retry can resend them). */
export function tooLarge(limit: number): LeptonError {
  return new LeptonError('LEPTON_ERR_PAYLOAD_TOO_LARGE', `request body exceeds the gateway limit of ${limit} bytes`);
}
