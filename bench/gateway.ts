// Gateway benchmark, one run: the same 2 replicas (`lep photon run`, 784-128-10 MLP, 1 thread each)
// and the same load (wrk, 64 connections, one 784-float JSON body) behind: nothing (direct to one
// replica), nginx round-robin and least_conn (upstream keepalive), HAProxy leastconn, and our gateway
// with each policy. Scenario two makes one replica slow (+20 ms on half its requests via a shim)
// and offers the same paced load (wrk with exponential think times) to every balancer.
// Then the fault run: `lep up` with a 2-replica deployment, kill -9 a replica under load.
// Usage: npx tsx bench/gateway.ts [--duration 10] [--connections 64] [--rate 1500] [--rounds 3] [--skip-even|--skip-slow|--skip-fault]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPhoton } from '../src/photon/create.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import { mlpModel, mlpWeights, randomInput } from '../test/fixtures/models.js';
import { haproxyConf, nginxConf } from './gateway-peers/configs.js';
import { record } from './lib/report.js';
import { freePort, numFlag, parseWrk, runWrk, type LoadResult } from './lib/wrk.js';

const DURATION = numFlag('duration', 10);
/** Offered load of scenario two: paced, below every balancer's capacity, so p99 shows routing, not saturation. */
const RATE = numFlag('rate', 1500);
/** Interleaved rounds of scenario two (median reported). */
const ROUNDS = numFlag('rounds', 3);
const CONNECTIONS = numFlag('connections', 64);
const ROOT = join(import.meta.dirname, '..');
const PEERS = join(import.meta.dirname, 'gateway-peers');
const LEP = join(ROOT, 'bin', 'lep.js');
/** TS helpers run in one node process (`--import tsx`), so killing it kills the helper. */
const TS = (script: string): string[] => ['--import', 'tsx', script];
const SKIP = new Set(process.argv.slice(2).filter((a) => a.startsWith('--skip-')).map((a) => a.slice(7)));

const children: ChildProcess[] = [];
function cleanup(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

/** Run wrk asynchronously (the driver must stay responsive for the fault run). */
function wrkAsync(url: string, seconds: number, bodyFile: string, script = 'post.lua'): Promise<string> {
  const argv = ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', join(PEERS, script), url];
  return runWrk(argv, { ...process.env, BODY_FILE: bodyFile }).then((r) => r.stdout + r.stderr);
}

async function measure(name: string, url: string, bodyFile: string, script?: string): Promise<LoadResult> {
  await wrkAsync(url, 2, bodyFile, script); // warm-up: JIT, pools, connections
  const r = parseWrk(name, await wrkAsync(url, DURATION, bodyFile, script));
  console.error(`  ${name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`);
  return r;
}

/**
 * Paced load (wrk, same connections, each waiting an exponential think time between requests):
 * arrivals close to Poisson at about RATE req/s. A closed loop at saturation would make latency
 * mirror throughput (Little's law) and hide what the routing does to the tail. autocannon's
 * `overallRate` was used here before and is not fit for this: each connection sends its quota for
 * the second in one burst when the second starts, and its coordinated-omission correction takes
 * 1/rate in seconds as an interval in ms, adding L-1 synthetic samples for every L ms answer.
 */
async function measureRate(name: string, url: string, bodyFile: string): Promise<LoadResult> {
  const env = { ...process.env, BODY_FILE: bodyFile, MEAN_DELAY_MS: String((CONNECTIONS * 1000) / RATE) };
  const argv = (s: number): string[] => ['-t2', `-c${CONNECTIONS}`, `-d${s}s`, '--latency', '-s', join(PEERS, 'paced.lua'), url];
  await runWrk(argv(2), env);
  const r = await runWrk(argv(DURATION), env);
  const res = parseWrk(name, r.stdout + r.stderr);
  console.error(`  ${name.padEnd(34)} ${res.rps.toFixed(0).padStart(7)} req/s  p50 ${res.p50.toFixed(2)} ms  p99 ${res.p99.toFixed(2)} ms  errors ${res.errors}`);
  return res;
}

/** Per-metric median over rounds (errors are summed: any failure counts). */
function median(name: string, rs: LoadResult[]): LoadResult {
  const mid = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  return { name, rps: mid(rs.map((r) => r.rps)), p50: mid(rs.map((r) => r.p50)), p99: mid(rs.map((r) => r.p99)), errors: rs.reduce((a, r) => a + r.errors, 0) };
}

async function waitHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(cmd: string, argv: string[], env: Record<string, string> = {}): ChildProcess {
  const c = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LEPTON_LOG_LEVEL: 'warn', ...env } });
  children.push(c);
  return c;
}

async function startReplica(home: string, id: string): Promise<string> {
  const port = await freePort();
  start(process.execPath, [LEP, 'photon', 'run', '--name', 'bench@1', '--port', String(port), '--threads', '1', '--replica-id', id], { LEPTON_HOME: home });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/v2/health/ready`);
  return url;
}

interface Balancers {
  nginxRr: string;
  nginxLc: string;
  haproxy: string;
  ours: string;
}

async function startBalancers(dir: string, upstreams: string[]): Promise<Balancers> {
  mkdirSync(dir, { recursive: true });
  const [rr, lc, hp, ours] = [await freePort(), await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, upstreams, { rr, lc }));
  start('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConf(upstreams, hp));
  start('/usr/sbin/haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
  // The built gateway (dist/, as `lep up` runs it), not the source through tsx: see lepton-gateway.mjs.
  start(process.execPath, [join(PEERS, 'lepton-gateway.mjs'), '--port', String(ours), '--upstreams', upstreams.join(',')]);
  const b = { nginxRr: `http://127.0.0.1:${rr}`, nginxLc: `http://127.0.0.1:${lc}`, haproxy: `http://127.0.0.1:${hp}`, ours: `http://127.0.0.1:${ours}` };
  await Promise.all([waitHttp(`${b.nginxRr}/v2/health/ready`), waitHttp(`${b.haproxy}/v2/health/ready`), waitHttp(`${b.ours}/deployments/round-robin/v2/health/ready`)]);
  return b;
}

function table(title: string, rows: LoadResult[], base: LoadResult): void {
  console.log(`\n${title}`);
  console.log(`| ${'setup'.padEnd(34)} | req/s   | p50 ms | p99 ms | errors | req/s vs nginx RR | p99 vs nginx RR |`);
  console.log(`|${'-'.repeat(36)}|---------|--------|--------|--------|-------------------|-----------------|`);
  for (const r of rows) {
    console.log(
      `| ${r.name.padEnd(34)} | ${r.rps.toFixed(0).padStart(7)} | ${r.p50.toFixed(2).padStart(6)} | ${r.p99.toFixed(2).padStart(6)} | ${String(r.errors).padStart(6)} | ${(r.rps / base.rps).toFixed(2).padStart(16)}× | ${(r.p99 / base.p99).toFixed(2).padStart(14)}× |`,
    );
  }
}

async function faultRun(home: string, bodyFile: string): Promise<void> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Loopback-only bench: no token, and no per-caller rate limit in the way of the load generator.
  const up = start(process.execPath, [LEP, 'up', '--no-default', '--insecure-local', '--rate-limit', '1000000', '--port', String(port)], { LEPTON_HOME: home });
  await waitHttp(`${base}/healthz`);
  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await fetch(`${base}/api/v1${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return (await r.json()) as Record<string, unknown>;
  };
  await api('POST', '/deployments', { name: 'fault', photon: 'bench@1', replicas: 2 });
  type Rep = { id: string; pid: number; state: string; restarts: number };
  const reps = async (): Promise<Rep[]> => (await api('GET', '/deployments/fault/replicas'))['replicas'] as Rep[];
  for (let i = 0; i < 600 && (await reps()).filter((r) => r.state === 'ready').length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  await wrkAsync(`${base}/deployments/fault/predict`, 2, bodyFile);
  const run = wrkAsync(`${base}/deployments/fault/predict`, DURATION, bodyFile);
  await new Promise((r) => setTimeout(r, 3000));
  const victim = (await reps())[0]!;
  const killedAt = Date.now();
  process.kill(victim.pid, 'SIGKILL');
  let backMs = NaN;
  for (;;) {
    const v = (await reps()).find((r) => r.id === victim.id);
    if (v && v.restarts >= 1 && v.state === 'ready') {
      backMs = Date.now() - killedAt;
      break;
    }
    if (Date.now() - killedAt > 60_000) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const raw = await run;
  const res = parseWrk('kill -9 run', raw);
  const errorLines = raw.split('\n').filter((l) => /Non-2xx|Socket errors/.test(l)).map((l) => l.trim());
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const retries = [...metrics.matchAll(/lepton_gateway_retries_total\{[^}]*\} (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  console.log(`\nFault run (lep up, 2 replicas, least-request, wrk ${CONNECTIONS} conns ${DURATION}s, kill -9 one replica at 3 s):`);
  console.log(`  requests/s ${res.rps.toFixed(0)}, p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms`);
  console.log(`  failed client requests (non-2xx + socket errors): ${res.errors}${errorLines.length > 0 ? ` (wrk: ${errorLines.join('; ')})` : ''}`);
  console.log(`  gateway retries: ${retries}; killed replica ready again after ${(backMs / 1000).toFixed(1)} s`);
  // SIGTERM lets `lep up` drain and stop its replicas (a SIGKILL would orphan them).
  const exited = new Promise((r) => up.once('exit', r));
  up.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
}

async function main(): Promise<void> {
  const setup = spawnSync('bash', [join(import.meta.dirname, 'setup.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (setup.status !== 0) console.error('bench/setup.sh failed; continuing with what is installed');
  const home = mkdtempSync(join(tmpdir(), 'lepton-bench-gw-'));
  try {
    const model = mlpModel(mlpWeights([784, 128, 10], 5));
    const { archive } = await createPhoton({ name: 'bench', version: '1', model, labels: Array.from({ length: 10 }, (_, i) => String(i)) });
    await new PhotonRegistry({ home }).add(archive);
    const bodyFile = join(home, 'body.json');
    writeFileSync(bodyFile, JSON.stringify({ inputs: [Array.from(randomInput(1, 784, 9), (v) => Number(v.toFixed(4)))] }));

    console.error('starting 2 replicas…');
    const [a, b] = [await startReplica(home, 'A'), await startReplica(home, 'B')];
    const even = await startBalancers(join(home, 'even'), [a, b]);
    console.error(`even replicas, wrk -c${CONNECTIONS} -d${DURATION}s:`);
    const rows: LoadResult[] = [];
    if (!SKIP.has('even')) {
      rows.push(await measure('direct to one replica', `${a}/predict`, bodyFile));
      rows.push(await measure('nginx round-robin', `${even.nginxRr}/predict`, bodyFile));
      rows.push(await measure('nginx least_conn', `${even.nginxLc}/predict`, bodyFile));
      rows.push(await measure('HAProxy leastconn', `${even.haproxy}/predict`, bodyFile));
      rows.push(await measure('lepton gateway round-robin', `${even.ours}/deployments/round-robin/predict`, bodyFile));
      rows.push(await measure('lepton gateway least-request', `${even.ours}/deployments/least-request/predict`, bodyFile));
      rows.push(await measure('lepton gateway affinity (1000 keys)', `${even.ours}/deployments/affinity/predict`, bodyFile, 'session.lua'));
    }
    if (rows.length > 0) table(`Even replicas (wrk -t2 -c${CONNECTIONS} -d${DURATION}s, 784-float JSON, 2 × lep photon run --threads 1; 1 worker per balancer)`, rows, rows[1]!);
    const lr = rows.find((r) => r.name === 'lepton gateway least-request');
    const hap = rows.find((r) => r.name === 'HAProxy leastconn');
    if (lr && hap) {
      record({ id: 'even-rps-vs-haproxy', what: 'gateway req/s, 2 even replicas, least-request', ours: lr.rps, peer: hap.rps, peerName: 'HAProxy leastconn', unit: 'req/s', better: 'higher', target: 0.75 });
      record({ id: 'even-p99-vs-haproxy', what: 'gateway p99, 2 even replicas, least-request', ours: lr.p99, peer: hap.p99, peerName: 'HAProxy leastconn', unit: 'ms', target: 1 });
    }
    const slow: LoadResult[] = [];
    if (!SKIP.has('slow')) {
      const shimPort = await freePort();
      start(process.execPath, [...TS(join(PEERS, 'slow-shim.ts')), '--port', String(shimPort), '--target', b, '--delay-ms', '20', '--fraction', '0.5']);
      const slowB = `http://127.0.0.1:${shimPort}`;
      await waitHttp(`${slowB}/v2/health/ready`);
      const uneven = await startBalancers(join(home, 'uneven'), [a, slowB]);
      console.error(`one slow replica (+20 ms on half its requests), paced to ~${RATE} req/s:`);
      // The machine is shared: interleave the setups over several rounds and report the median.
      const setups: Array<[string, string]> = [
        ['nginx round-robin', `${uneven.nginxRr}/predict`],
        ['nginx least_conn', `${uneven.nginxLc}/predict`],
        ['HAProxy leastconn', `${uneven.haproxy}/predict`],
        ['lepton gateway round-robin', `${uneven.ours}/deployments/round-robin/predict`],
        ['lepton gateway least-request', `${uneven.ours}/deployments/least-request/predict`],
      ];
      const runs = new Map<string, LoadResult[]>(setups.map(([n]) => [n, []]));
      for (let round = 1; round <= ROUNDS; round++) {
        console.error(`  round ${round}/${ROUNDS}`);
        for (const [n, url] of setups) runs.get(n)!.push(await measureRate(n, url, bodyFile));
      }
      for (const [n] of setups) slow.push(median(n, runs.get(n)!));
      const nginxRrSlow = slow[0]!;
      const ours = runs.get('lepton gateway least-request')!;
      const rr = runs.get('nginx round-robin')!;
      const oursMed = slow.find((r) => r.name === 'lepton gateway least-request')!;
      record({ id: 'slow-replica-p99-vs-nginx-rr', what: `gateway p99, one slow replica, paced ${RATE} req/s, least-request`, ours: oursMed.p99, peer: nginxRrSlow.p99, peerName: 'nginx round-robin', unit: 'ms', target: 0.5, rounds: ours.map((o, k) => o.p99 / rr[k]!.p99), notes: `median of ${ROUNDS} interleaved rounds` });
      table(`One slow replica (+20 ms on half of replica B's requests; wrk -c${CONNECTIONS} paced to ~${RATE} req/s with exponential think times, median of ${ROUNDS} interleaved ${DURATION}s rounds)`, slow, nginxRrSlow);
    }
    cleanup();
    children.length = 0;

    if (SKIP.has('fault')) return;
    console.error('fault run…');
    await faultRun(home, bodyFile);
  } finally {
    cleanup();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
