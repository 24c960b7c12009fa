// Overload benchmark (issue 12): `lep up` with the default deployment's shape (deployment `mnist`,
// 2 replicas, least-request, a 784-128-10 MLP: serving cost depends on the shape, not the weights,
// so no training run is needed), first at 64 connections (the baseline), then at 2,000 connections
// for 15 s. Load comes from autocannon in child processes (500 connections each, so no process
// needs a large file-descriptor table; the parent raises its own limit with `ulimit -n` when it can).
// Reported: peak RSS of `lep up` (and with its replicas), client timeouts at 5 s, 503s (shed),
// p50/p99 of admitted (200) requests, and successful throughput against the 64-connection run.
// Targets: no timeouts, p99 admitted ≤ 500 ms, successful throughput ≥ 80% of the baseline.
// Usage: npx tsx bench/overload.ts [--connections 2000] [--duration 15] [--baseline 10] [--per-worker 500] [--smoke]
//        (--smoke: 3 s runs, for a quick check on a busy machine)
import { record } from './lib/report.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createPhoton } from '../src/photon/create.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import { mlpModel, mlpWeights, randomInput } from '../test/fixtures/models.js';
import { freePort, numFlag } from './lib/wrk.js';

const SMOKE = process.argv.includes('--smoke');
const CONNECTIONS = numFlag('connections', 2000);
const DURATION = numFlag('duration', SMOKE ? 3 : 15);
const BASELINE = numFlag('baseline', SMOKE ? 3 : 10);
const PER_WORKER = numFlag('per-worker', 500);
/** A request unanswered this long counts as a client timeout (the 5 s). */
const CLIENT_TIMEOUT_S = 5;
const ROOT = join(import.meta.dirname, '..');
const LEP = join(ROOT, 'bin', 'lep.js');

/** What one load process reports. */
interface WorkerResult {
  byStatus: Record<string, number>;
  /** Latencies of 200 answers, ms. */
  okLatencies: number[];
  /** The same answers' latencies, only those that arrived after the first 2 s (connections all open, queues settled). */
  steadyLatencies: number[];
  timeouts: number;
  errors: number;
  seconds: number;
}

/** Worker mode: `--worker URL CONNECTIONS SECONDS BODY_FILE`; prints one WorkerResult as JSON. */
async function worker(url: string, connections: number, seconds: number, bodyFile: string): Promise<void> {
  const byStatus: Record<string, number> = {};
  const okLatencies: number[] = [];
  const steadyLatencies: number[] = [];
  const started = performance.now();
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, connections, duration: seconds, method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(bodyFile, 'utf8'), timeout: CLIENT_TIMEOUT_S },
      (err, result) => (err ? reject(err as Error) : resolve(result)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      if (status === 200) {
        okLatencies.push(ms);
        if (performance.now() - started > 2000) steadyLatencies.push(ms);
      }
    });
  });
  const out: WorkerResult = { byStatus, okLatencies, steadyLatencies, timeouts: r.timeouts, errors: r.errors - r.timeouts, seconds };
  process.stdout.write(JSON.stringify(out));
}

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

/** Run `connections` split over load processes for `seconds`; merge what they saw. */
async function load(url: string, connections: number, seconds: number, bodyFile: string): Promise<WorkerResult> {
  const parts: number[] = [];
  for (let left = connections; left > 0; left -= PER_WORKER) parts.push(Math.min(PER_WORKER, left));
  const runs = parts.map(
    (c) =>
      new Promise<WorkerResult>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--worker', url, String(c), String(seconds), bodyFile], { stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as WorkerResult) : reject(new Error(`load worker exited ${code}`))));
      }),
  );
  const all = await Promise.all(runs);
  const merged: WorkerResult = { byStatus: {}, okLatencies: [], steadyLatencies: [], timeouts: 0, errors: 0, seconds };
  for (const r of all) {
    for (const [s, n] of Object.entries(r.byStatus)) merged.byStatus[s] = (merged.byStatus[s] ?? 0) + n;
    for (const l of r.okLatencies) merged.okLatencies.push(l);
    for (const l of r.steadyLatencies) merged.steadyLatencies.push(l);
    merged.timeouts += r.timeouts;
    merged.errors += r.errors;
  }
  return merged;
}

function pct(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

/** Resident set of a process, bytes (0 once it is gone). */
function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The gateway's own latency histogram of answered requests for deployment mnist, summed over replicas: le → count. */
function gatewayHistogram(metrics: string): Map<string, number> {
  const h = new Map<string, number>();
  for (const m of metrics.matchAll(/^lepton_gateway_request_duration_seconds_bucket\{([^}]*)\} (\d+)$/gm)) {
    const labels = m[1]!;
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    if (le === undefined || !labels.includes('deployment="mnist"')) continue;
    h.set(le, (h.get(le) ?? 0) + Number(m[2]));
  }
  return h;
}

/**
 * From two histogram snapshots: the share of answers the gateway saw finish within 500 ms, and the
 * bucket bound that holds the 99th percentile. The client's own figure adds the time a request
 * spent in the kernel and in the load generator's event loop, both on the same 2 cores.
 */
function gatewayView(before: Map<string, number>, after: Map<string, number>): { within500: number; p99Bound: string } {
  const delta = (le: string) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = delta('+Inf');
  const les = [...after.keys()].filter((k) => k !== '+Inf').sort((a, b) => Number(a) - Number(b));
  const bound = les.find((le) => delta(le) >= 0.99 * total) ?? '+Inf';
  return { within500: total > 0 ? delta('0.5') / total : NaN, p99Bound: bound };
}

async function waitHttp(url: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function line(name: string, r: WorkerResult): { okRps: number; p50: number; p99: number } {
  const ok = r.byStatus['200'] ?? 0;
  const okRps = ok / r.seconds;
  const p50 = pct(r.okLatencies, 0.5);
  const p99 = pct(r.okLatencies, 0.99);
  const steady99 = pct(r.steadyLatencies, 0.99);
  const others = Object.entries(r.byStatus).filter(([s]) => s !== '200').map(([s, n]) => `${s}: ${n}`).join(', ') || 'none';
  console.log(`  ${name}: ${okRps.toFixed(0)} successful req/s, admitted p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (after the first 2 s: ${steady99.toFixed(1)} ms); other answers ${others}; client timeouts (${CLIENT_TIMEOUT_S} s) ${r.timeouts}; socket errors ${r.errors}`);
  return { okRps, p50, p99 };
}

async function main(): Promise<void> {
  // Raise our own descriptor limit where the shell allows (children inherit it); workers keep ≤ 500 sockets each anyway.
  const limit = spawnSync('bash', ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); ulimit -n'], { encoding: 'utf8' });
  console.error(`file-descriptor limit available to a shell: ${limit.stdout.trim()}`);
  const home = mkdtempSync(join(tmpdir(), 'lepton-bench-overload-'));
  let up: ChildProcess | undefined;
  try {
    const model = mlpModel(mlpWeights([784, 128, 10], 5));
    const { archive } = await createPhoton({ name: 'bench', version: '1', model, labels: Array.from({ length: 10 }, (_, i) => String(i)) });
    await new PhotonRegistry({ home }).add(archive);
    const bodyFile = join(home, 'body.json');
    writeFileSync(bodyFile, JSON.stringify({ inputs: [Array.from(randomInput(1, 784, 9), (v) => Number(v.toFixed(4)))] }));

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Loopback-only bench: no token, and no per-caller rate limit in the way of the load generator.
    up = spawn('bash', ['-c', `ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); exec "${process.execPath}" "${LEP}" up --no-default --insecure-local --rate-limit 1000000 --port ${port}`], {
      env: { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(up);
    await waitHttp(`${base}/healthz`);
    const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
      const r = await fetch(`${base}/api/v1${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
      return (await r.json()) as Record<string, unknown>;
    };
    await api('POST', '/deployments', { name: 'mnist', photon: 'bench@1', replicas: 2 });
    type Rep = { id: string; pid: number; state: string };
    const reps = async (): Promise<Rep[]> => (await api('GET', '/deployments/mnist/replicas'))['replicas'] as Rep[];
    for (let i = 0; i < 1200 && (await reps()).filter((r) => r.state === 'ready').length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const pids = (await reps()).map((r) => r.pid);
    const url = `${base}/deployments/mnist/predict`;

    let peakUp = 0;
    let peakAll = 0;
    const sampler = setInterval(() => {
      const own = rss(up!.pid!);
      peakUp = Math.max(peakUp, own);
      peakAll = Math.max(peakAll, own + pids.reduce((a, p) => a + rss(p), 0));
    }, 200);

    console.log(`Overload bench (lep up, deployment mnist: 2 replicas, 784-128-10 MLP; autocannon, ${PER_WORKER} connections per load process)`);
    await load(url, 64, 2, bodyFile); // warm-up: JIT, pools, the limiter's first minRTT
    const baseline = line(`64 connections, ${BASELINE} s`, await load(url, 64, BASELINE, bodyFile));
    const histBefore = gatewayHistogram(await (await fetch(`${base}/metrics`)).text());
    const heavy = await load(url, CONNECTIONS, DURATION, bodyFile);
    const over = line(`${CONNECTIONS} connections, ${DURATION} s`, heavy);
    clearInterval(sampler);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const gw = gatewayView(histBefore, gatewayHistogram(metrics));
    console.log(`  gateway's own view of the ${CONNECTIONS}-connection run: ${(gw.within500 * 100).toFixed(1)}% of answered requests within 500 ms; p99 ≤ ${gw.p99Bound} s`);
    const rejected = [...metrics.matchAll(/lepton_gateway_rejected_total\{deployment="mnist",reason="([^"]+)"\} (\d+)/g)].map((m) => `${m[1]} ${m[2]}`).join(', ');
    const alive = up.exitCode === null && (await fetch(`${base}/healthz`)).ok;
    const share = over.okRps / baseline.okRps;
    record({ id: 'overload-throughput-share', what: `successful req/s at ${CONNECTIONS} connections vs 64`, ours: over.okRps, peer: baseline.okRps, peerName: 'same deployment at 64 connections', unit: 'req/s', better: 'higher', target: 0.8, notes: `client timeouts ${heavy.timeouts}; admitted p99 ${over.p99.toFixed(1)} ms` });
    console.log(`  lep up alive after the run: ${alive ? 'yes' : 'NO'}; peak RSS lep up ${(peakUp / 2 ** 20).toFixed(0)} MiB, with its replicas ${(peakAll / 2 ** 20).toFixed(0)} MiB`);
    console.log(`  gateway shed (lepton_gateway_rejected_total): ${rejected || 'none'}`);
    console.log(`  targets: client timeouts 0 → ${heavy.timeouts}; admitted p99 ≤ 500 ms → ${over.p99.toFixed(1)} ms; successful throughput ≥ 80% of 64-connection → ${(share * 100).toFixed(0)}%`);
    if (SMOKE) console.log('  (smoke run: 3 s; the full 15 s run is `npx tsx bench/overload.ts`)');
  } finally {
    if (up && up.exitCode === null) {
      // SIGTERM lets `lep up` drain and stop its replicas (a SIGKILL would orphan them).
      const exited = new Promise((r) => up!.once('exit', r));
      up.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    }
    rmSync(home, { recursive: true, force: true });
  }
}

const w = process.argv.indexOf('--worker');
if (w >= 0) {
  const [url, c, s, body] = process.argv.slice(w + 1);
  await worker(url!, Number(c), Number(s), body!);
} else {
  await main();
}
