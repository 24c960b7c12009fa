/**
 * Rendezvous for the tcp transport, as torch.distributed's env:// method: rank 0 listens at
 * MASTER_ADDR:MASTER_PORT; every other rank connects (retrying until rank 0 is up), authenticates,
 * and says its rank, world size, job signature and ring port. Rank 0 refuses a peer whose world
 * size or signature differs from its own (the refused rank gets the reason), and once all ranks
 * joined tells everyone where everyone listens. Each rank then connects to the next one: the ring.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';
import { LeptonError, type ErrorCode, ERROR_STATUS } from '../core/errors.js';
import { checkRank, peerLost } from './process-group.js';
import { authenticateClient, authenticateServer } from './tcp-auth.js';
import { Link } from './tcp-wire.js';

export interface RendezvousOptions {
  rank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  secret: Buffer;
  signature: string;
  /** Where this rank's ring listener binds. Default: 127.0.0.1 when the master is loopback, else 0.0.0.0. */
  bindHost?: string;
  /** Give up on a missing rank after this long (default 120 s). */
  timeoutMs?: number;
}

export interface PeerAddress {
  rank: number;
  host: string;
  port: number;
}

/** The connections one rank holds once the group is formed. */
export interface Rendezvous {
  /** Rank 0: one control link per other rank; other ranks: the link to rank 0 (key 0). */
  control: Map<number, Link>;
  /** To rank + 1 (we send on it) and from rank − 1 (we receive on it); null when worldSize is 1. */
  next: Link | null;
  prev: Link | null;
}

const isLoopback = (h: string): boolean => h === 'localhost' || h === '::1' || h.startsWith('127.');

function field(v: unknown, name: string): unknown {
  return v && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined;
}

function refusal(v: unknown): LeptonError {
  const code = String(field(v, 'code'));
  const msg = `rank 0 refused this rank: ${String(field(v, 'message'))}`;
  return new LeptonError(Object.hasOwn(ERROR_STATUS, code) ? (code as ErrorCode) : 'LEPTON_ERR_CONFLICT', msg);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Connect, retrying refused connections (the peer may not listen yet) until `deadline`. */
async function dial(host: string, port: number, deadline: number, what: string): Promise<Socket> {
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host, port });
        s.once('connect', () => (s.off('error', reject), resolve(s)));
        s.once('error', reject);
      });
    } catch (err) {
      if (Date.now() > deadline) throw new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `cannot reach ${what} at ${host}:${port}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Reject after `ms` unless `p` settles first. */
function within<T>(p: Promise<T>, ms: number, err: () => LeptonError): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(err()), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Form the group: control links to rank 0, then the ring. */
export async function rendezvous(o: RendezvousOptions): Promise<Rendezvous> {
  checkRank(o.rank, o.worldSize);
  const timeoutMs = o.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const W = o.worldSize;
  if (W === 1) return { control: new Map(), next: null, prev: null };
  const bindHost = o.bindHost ?? (isLoopback(o.masterAddr) ? '127.0.0.1' : '0.0.0.0');
  const ringServer = createServer();
  const ringPort = await listen(ringServer, 0, bindHost);
  const prevRank = (o.rank - 1 + W) % W;
  // The predecessor connects to us whenever it learns our address; accept it from now on.
  const prevLink = new Promise<Link>((resolve, reject) => {
    ringServer.on('connection', (socket) => {
      const link = new Link(socket);
      const handshake = async (): Promise<void> => {
        await authenticateServer(link, o.secret);
        const hello = await link.nextJson();
        if (field(hello, 'rank') !== prevRank) throw new LeptonError('LEPTON_ERR_CONFLICT', `ring connection from rank ${String(field(hello, 'rank'))}, expected rank ${prevRank}`);
      };
      within(handshake(), 10_000, () => new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', 'ring handshake timed out')).then(
        () => ((link.peer = prevRank), resolve(link)),
        () => link.close(), // a stranger or a wrong secret: drop it, keep waiting for the real one
      );
    });
    setTimeout(() => reject(new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `rank ${prevRank} never connected to this rank's ring port`)), timeoutMs).unref();
  });
  prevLink.catch(() => {}); // awaited below; an early rejection must not count as unhandled
  try {
    const { control, peers } = o.rank === 0 ? await master(o, ringPort, deadline) : await join(o, ringPort, deadline);
    const nextRank = (o.rank + 1) % W;
    const to = peers.find((p) => p.rank === nextRank)!;
    const next = new Link(await dial(to.host, to.port, deadline, `rank ${nextRank}`), nextRank);
    await within(authenticateClient(next, o.secret), 10_000, () => new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `ring handshake with rank ${nextRank} timed out`));
    next.sendJson({ type: 'ring', rank: o.rank });
    const prev = await prevLink;
    return { control, next, prev };
  } finally {
    ringServer.close();
  }
}

/** Rank 0: accept, check and register the other ranks, then send everyone the address list. */
async function master(o: RendezvousOptions, ringPort: number, deadline: number): Promise<{ control: Map<number, Link>; peers: PeerAddress[] }> {
  const server = createServer();
  await listen(server, o.masterPort, o.masterAddr);
  const joined = new Map<number, { link: Link; host: string; port: number }>();
  const refused: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const missing = Array.from({ length: o.worldSize - 1 }, (_, i) => i + 1).filter((r) => !joined.has(r));
        const why = refused.length ? `; refused: ${refused.join('; ')}` : '';
        reject(new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `rendezvous timed out: rank(s) ${missing.join(', ')} never joined${why}`));
      }, Math.max(0, deadline - Date.now()));
      const admit = async (socket: Socket): Promise<void> => {
        let rank = -1;
        const link = new Link(socket);
        link.onLost = () => {
          if (joined.get(rank)?.link === link) reject(peerLost(rank, 'disconnected during rendezvous'));
        };
        try {
          await within(authenticateServer(link, o.secret), 10_000, () => new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', 'handshake timed out'));
          const hello = await within(link.nextJson(), 10_000, () => new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', 'hello timed out'));
          const r = field(hello, 'rank');
          const problem =
            field(hello, 'worldSize') !== o.worldSize
              ? `world size ${String(field(hello, 'worldSize'))} differs from rank 0's ${o.worldSize}`
              : field(hello, 'signature') !== o.signature
                ? `model signature ${String(field(hello, 'signature'))} differs from rank 0's ${o.signature} (different model or training settings)`
                : typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r >= o.worldSize
                  ? `rank ${String(r)} is outside [1, ${o.worldSize})`
                  : joined.has(r)
                    ? `rank ${r} has already joined`
                    : null;
          if (problem) {
            refused.push(problem);
            link.sendJson({ type: 'refuse', code: 'LEPTON_ERR_CONFLICT', message: problem });
            socket.end();
            return;
          }
          rank = r as number;
          link.peer = rank;
          joined.set(rank, { link, host: socket.remoteAddress ?? o.masterAddr, port: Number(field(hello, 'ringPort')) });
          if (joined.size === o.worldSize - 1) {
            clearTimeout(timer);
            resolve();
          }
        } catch (err) {
          if (err instanceof LeptonError) refused.push(err.message);
          link.close();
        }
      };
      server.on('connection', (s) => void admit(s));
    });
  } catch (err) {
    for (const j of joined.values()) j.link.close();
    throw err;
  } finally {
    server.close();
  }
  const peers: PeerAddress[] = [{ rank: 0, host: o.masterAddr, port: ringPort }];
  for (const [rank, j] of joined) peers.push({ rank, host: j.host.replace(/^::ffff:/, ''), port: j.port });
  const control = new Map<number, Link>();
  for (const [rank, j] of joined) {
    j.link.sendJson({ type: 'peers', peers });
    control.set(rank, j.link);
  }
  return { control, peers };
}

/** Rank > 0: connect to rank 0, authenticate, introduce ourselves, wait for the address list. */
async function join(o: RendezvousOptions, ringPort: number, deadline: number): Promise<{ control: Map<number, Link>; peers: PeerAddress[] }> {
  const socket = await dial(o.masterAddr, o.masterPort, deadline, 'rank 0 (the master)');
  const link = new Link(socket, 0);
  try {
    await within(authenticateClient(link, o.secret), 10_000, () => new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', 'handshake with rank 0 timed out'));
    link.sendJson({ type: 'hello', rank: o.rank, worldSize: o.worldSize, signature: o.signature, ringPort });
    const reply = await within(link.nextJson(), Math.max(1, deadline - Date.now()), () => new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', 'rendezvous timed out waiting for the other ranks'));
    if (field(reply, 'type') === 'refuse') throw refusal(reply);
    const peers = field(reply, 'peers');
    if (!Array.isArray(peers) || peers.length !== o.worldSize) throw new LeptonError('LEPTON_ERR_INVALID_JSON', 'rank 0 sent a malformed peer list');
    return { control: new Map([[0, link]]), peers: peers as PeerAddress[] };
  } catch (err) {
    link.close();
    if (err instanceof LeptonError) throw err;
    throw peerLost(0, `closed the connection during rendezvous (${(err as Error).message})`);
  }
}
