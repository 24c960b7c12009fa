// http-util: which headers cross the proxy in each direction, and the x-forwarded-* it adds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type IncomingMessage } from 'node:http';
import { downstreamHeaders, upstreamHeaders } from './http-util.js';

function fakeReq(headers: Record<string, string>, socket: { remoteAddress: string; encrypted?: boolean }): IncomingMessage {
  return { headers, socket } as unknown as IncomingMessage;
}

test('upstream: hop-by-hop headers are dropped and x-forwarded-* appended', () => {
  const req = fakeReq(
    {
      host: 'gw.example:8080',
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'content-length': '12',
      'transfer-encoding': 'chunked',
      'content-type': 'application/json',
      authorization: 'Bearer t',
      'x-forwarded-for': '10.0.0.1',
    },
    { remoteAddress: '127.0.0.1' },
  );
  assert.deepEqual(upstreamHeaders(req), {
    'content-type': 'application/json',
    authorization: 'Bearer t',
    'x-forwarded-for': '10.0.0.1, 127.0.0.1',
    'x-forwarded-host': 'gw.example:8080',
    'x-forwarded-proto': 'http',
  });
});

test('upstream: a TLS front door forwards proto https', () => {
  const h = upstreamHeaders(fakeReq({ host: 'h' }, { remoteAddress: '::1', encrypted: true }));
  assert.equal(h['x-forwarded-proto'], 'https');
  assert.equal(h['x-forwarded-for'], '::1');
});

test('downstream: content-length is kept, connection-scoped headers are not', () => {
  assert.deepEqual(
    downstreamHeaders({ 'content-length': '3', connection: 'keep-alive', 'keep-alive': 'timeout=5', 'x-lepton-replica': 'r1', date: undefined }),
    { 'content-length': '3', 'x-lepton-replica': 'r1' },
  );
});
