// Slow-replica shim for bench/gateway.ts: a keep-alive reverse proxy in front of one replica that
// adds --delay-ms to a --fraction of requests (every other one for 0.5), making that replica uneven.
// Usage: npx tsx bench/gateway-peers/slow-shim.ts --port P --target http://127.0.0.1:Q [--delay-ms 20] [--fraction 0.5]
import { createServer } from 'node:http';
import { Pool } from 'undici';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};
const port = Number(opt('port', '0'));
const target = opt('target', '');
const delayMs = Number(opt('delay-ms', '20'));
const fraction = Number(opt('fraction', '0.5'));
const pool = new Pool(target, { connections: 128 });
let n = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    // Deterministic spread: request i is slowed when floor(i*f) advances.
    const i = n++;
    const slow = Math.floor((i + 1) * fraction) > Math.floor(i * fraction);
    const forward = (): void => {
      pool
        .request({ method: req.method as 'POST', path: req.url ?? '/', headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body: Buffer.concat(chunks) })
        .then(async (up) => {
          const body = Buffer.from(await up.body.arrayBuffer());
          const h: Record<string, string> = { 'content-type': String(up.headers['content-type'] ?? 'application/json') };
          if (up.headers['x-lepton-replica']) h['x-lepton-replica'] = String(up.headers['x-lepton-replica']);
          res.writeHead(up.statusCode, h).end(body);
        })
        .catch(() => res.writeHead(502).end());
    };
    if (slow) setTimeout(forward, delayMs);
    else forward();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`slow shim on ${port} → ${target} (+${delayMs} ms on ${fraction * 100}%)`));
process.on('SIGTERM', () => process.exit(0));
