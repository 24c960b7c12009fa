/**
 * Small HTTP helpers for the proxy: hop-by-hop header filtering and bounded body reading. Errors
 * are written by core/http-errors.ts `sendError`, the one envelope writer.
 */
import { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { LeptonError } from '../core/errors.js';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus ones we recompute. */
const HOP_BY_HOP = new Set([
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

/** Buffer a request body up to `limit` bytes (needed so a retry can resend it). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  if (req.method === 'GET' || req.method === 'HEAD') {
    if (!req.headers['transfer-encoding'] && declared === 0) return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', (e) => reject(new LeptonError('LEPTON_ERR_INVALID_INPUT', `request body aborted: ${e.message}`)));
  });
}

function tooLarge(limit: number): LeptonError {
  return new LeptonError('LEPTON_ERR_PAYLOAD_TOO_LARGE', `request body exceeds the gateway limit of ${limit} bytes`);
}
