// Shared bench plumbing: command-line flags, free loopback ports, and running wrk without blocking
// the event loop (a blocked loop would stop draining the servers' pipes) and parsing its report.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const args = process.argv.slice(2);

/** `--name N` from the command line, or `def`. */
export function numFlag(name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

/** A loopback port nothing listens on right now (other benches may be running on this machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface LoadResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** wrk's latency strings (e.g. 812.00us, 3.21ms, 1.02s) in ms. */
function ms(v: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** Run wrk with `argv` (add `--latency` for percentiles); resolves with its stdout and stderr. */
export function runWrk(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('wrk', argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', () => resolve({ stdout, stderr }));
  });
}

/** req/s, p50, p99 and errors (non-2xx/3xx plus socket errors) from a `wrk --latency` report. */
export function parseWrk(name: string, out: string): LoadResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  if (!Number.isFinite(rps)) console.error(`wrk output for ${name}:\n${out}`);
  return { name, rps, p50: ms(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''), p99: ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''), errors };
}
