/**
 * Test helper: tiny fake replica servers on 127.0.0.1 (port 0) that tag every answer with
 * `x-lepton-replica`, echo what they received, and can be told to be slow, fail or reset.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';

export interface FakeBehaviour {
  delayMs?: number;
  /** Status for /predict-like paths (default 200). */
  status?: number;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
  /** Status of the readiness probe (default 200). */
  readyStatus?: number;
}

export interface FakeReplica {
  id: string;
  origin: string;
  behaviour: FakeBehaviour;
  hits: number;
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startFakeReplica(id: string, behaviour: FakeBehaviour = {}): Promise<FakeReplica> {
  const sockets = new Set<Socket>();
  const fake: FakeReplica = {
    id,
    origin: '',
    behaviour,
    hits: 0,
    inFlight: 0,
    maxInFlight: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v2/health/ready' || req.url === '/healthz') {
        res.writeHead(fake.behaviour.readyStatus ?? 200, { 'x-lepton-replica': id }).end('{}');
        return;
      }
      fake.hits++;
      fake.inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
      const answer = (): void => {
        fake.inFlight--;
        if (fake.behaviour.reset) {
          req.socket.destroy();
          return;
        }
        const body = JSON.stringify({
          replica: id,
          method: req.method,
          url: req.url,
          body: Buffer.concat(chunks).toString('utf8'),
          session: req.headers['x-session-id'] ?? null,
          timeoutMs: req.headers['x-lepton-timeout-ms'] ?? null,
        });
        res.writeHead(fake.behaviour.status ?? 200, { 'content-type': 'application/json', 'x-lepton-replica': id });
        res.end(body);
      };
      if (fake.behaviour.delayMs) setTimeout(answer, fake.behaviour.delayMs);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** An origin on which nothing listens (connect refused). */
export async function deadOrigin(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
