/**
 * Framing for the tcp transport: a 16-byte header (payload bytes, kind, op, part) then the payload.
 * Control frames carry JSON; data frames carry float32 values (little-endian, as on every platform
 * Node supports). Data frames are matched to the collective that waits for them by (op, part), so
 * several collectives may be in flight on one connection in any interleaving.
 */
import { type Socket } from 'node:net';
import { LeptonError } from '../core/errors.js';
import { peerLost } from './process-group.js';

export const KIND_JSON = 1;
export const KIND_DATA = 2;
const HEADER = 16;
/** Refuse frames above this (a corrupt or hostile header must not make us allocate gigabytes). */
const MAX_FRAME = 256 * 2 ** 20;

export interface Frame {
  kind: number;
  op: number;
  part: number;
  payload: Buffer;
}

/** Encode one frame (the payload is copied, so the caller may reuse its array at once). */
export function encodeFrame(kind: number, op: number, part: number, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(HEADER + payload.byteLength);
  b.writeUInt32LE(payload.byteLength, 0);
  b.writeUInt32LE(kind, 4);
  b.writeUInt32LE(op >>> 0, 8);
  b.writeUInt32LE(part >>> 0, 12);
  b.set(payload, HEADER);
  return b;
}

export function jsonFrame(value: unknown): Buffer {
  return encodeFrame(KIND_JSON, 0, 0, Buffer.from(JSON.stringify(value)));
}

export function dataFrame(op: number, part: number, values: Float32Array): Buffer {
  return encodeFrame(KIND_DATA, op, part, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** Float32 values of a data payload (copied to an aligned buffer when the payload is not aligned). */
export function payloadFloats(payload: Buffer): Float32Array {
  if (payload.byteOffset % 4 === 0) return new Float32Array(payload.buffer, payload.byteOffset, payload.byteLength / 4);
  return new Float32Array(Uint8Array.from(payload).buffer);
}

/** Splits a byte stream into frames. */
export class FrameParser {
  private chunks: Buffer[] = [];
  private have = 0;

  constructor(private readonly onFrame: (f: Frame) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    while (this.have >= HEADER) {
      const head = this.peek(HEADER);
      const len = head.readUInt32LE(0);
      if (len > MAX_FRAME) throw new LeptonError('LEPTON_ERR_CORRUPT_FILE', `peer sent a ${len}-byte frame (limit ${MAX_FRAME})`);
      if (this.have < HEADER + len) return;
      const all = this.take(HEADER + len);
      this.onFrame({ kind: all.readUInt32LE(4), op: all.readUInt32LE(8), part: all.readUInt32LE(12), payload: all.subarray(HEADER) });
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.have -= n;
    return out;
  }
}

/**
 * A connection after the handshake: JSON messages and data frames in, routed by (op, part).
 * `onLost` fires once when the socket closes or errors before `close()` was called; every pending
 * and later receive then fails with an error naming `peer` (the rank at the other end, once known).
 */
export class Link {
  private readonly early = new Map<string, Buffer>();
  private readonly waiting = new Map<string, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private readonly jsonQueue: unknown[] = [];
  private jsonWaiter: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  private error: Error | null = null;
  private closing = false;
  /** Takes JSON messages instead of the queue once set (the group's abort and bye messages). */
  onJson: ((v: unknown) => void) | null = null;
  onLost: (err: Error) => void = () => {};

  constructor(
    readonly socket: Socket,
    public peer: number | null = null,
  ) {
    const parser = new FrameParser((f) => this.deliver(f));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        this.lost(err as Error);
      }
    });
    socket.on('error', (err) => this.lost(err));
    socket.on('close', () => this.lost(null));
  }

  /** Route JSON messages to `fn` from now on, starting with any already queued. */
  listen(fn: (v: unknown) => void): void {
    this.onJson = fn;
    for (const v of this.jsonQueue.splice(0)) fn(v);
  }

  sendJson(value: unknown): void {
    if (this.socket.writable) this.socket.write(jsonFrame(value));
  }

  sendData(op: number, part: number, values: Float32Array): void {
    if (this.socket.writable) this.socket.write(dataFrame(op, part, values));
  }

  /** The next JSON message (from the queue, or when it arrives). */
  nextJson(): Promise<unknown> {
    if (this.jsonQueue.length > 0) return Promise.resolve(this.jsonQueue.shift());
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => (this.jsonWaiter = { resolve, reject }));
  }

  /** The payload of data frame (op, part). */
  recv(op: number, part: number): Promise<Buffer> {
    const key = `${op}/${part}`;
    const got = this.early.get(key);
    if (got) {
      this.early.delete(key);
      return Promise.resolve(got);
    }
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => this.waiting.set(key, { resolve, reject }));
  }

  /** Fail every pending receive with `err` (the group failed elsewhere). */
  failAll(err: Error): void {
    if (!this.error) this.error = err;
    for (const w of this.waiting.values()) w.reject(this.error);
    this.waiting.clear();
    this.jsonWaiter?.reject(this.error);
    this.jsonWaiter = null;
  }

  /** The peer said goodbye: its close is expected; a receive that still waits on it fails with `err`. */
  expectClose(err: Error): void {
    const pending = this.waiting.size > 0 || this.jsonWaiter !== null;
    this.failAll(err);
    if (pending) this.onLost(err);
  }

  /** Stop watching for loss; flush what was written, then close (a FIN, not a reset). */
  close(): void {
    this.closing = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private deliver(f: Frame): void {
    if (f.kind === KIND_JSON) {
      let v: unknown;
      try {
        v = JSON.parse(f.payload.toString('utf8'));
      } catch {
        return this.lost(new LeptonError('LEPTON_ERR_INVALID_JSON', 'peer sent a malformed control message'));
      }
      if (this.onJson) this.onJson(v);
      else if (this.jsonWaiter) {
        const w = this.jsonWaiter;
        this.jsonWaiter = null;
        w.resolve(v);
      } else this.jsonQueue.push(v);
      return;
    }
    const key = `${f.op}/${f.part}`;
    const w = this.waiting.get(key);
    if (w) {
      this.waiting.delete(key);
      w.resolve(f.payload);
    } else this.early.set(key, f.payload);
  }

  private lost(err: Error | null): void {
    if (this.error || this.closing) return;
    this.socket.destroy();
    const why = `closed its connection${err ? ` (${err.message})` : ''}`;
    const e = this.peer !== null ? peerLost(this.peer, why) : new LeptonError('LEPTON_ERR_PEER_LOST', `a peer ${why}`);
    this.failAll(e);
    this.onLost(e);
  }
}
