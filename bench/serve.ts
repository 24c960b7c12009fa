// Serving benchmark, one run, same load generator (wrk, 64 connections) for every server:
// fastify echo floor, naive fastify+ORT, Flask+PyTorch (the seed), and `lep photon run`;
// plus PNG uploads/s and binary-body req/s for lep. Two JSON bodies of 784 floats: short (6 decimals,
// about 7 KB) and long (full float64 precision, as Math.random() prints them, about 15 KB); the echo
// floor parses each with JSON.parse. Prints req/s, p50, p99 and the ratios.
// Usage: npx tsx bench/serve.ts [--duration 10] [--connections 64]
import { record } from './lib/report.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '../src/data/png.js';
import { mlpModel, mlpWeights, randomInput } from '../test/fixtures/models.js';
import { freePort, numFlag, parseWrk, runWrk, type LoadResult } from './lib/wrk.js';

const DURATION = numFlag('duration', 10);
const CONNECTIONS = numFlag('connections', 64);
const ROOT = join(import.meta.dirname, '..');
const PEERS = join(import.meta.dirname, 'serve-peers');

function setup(): void {
  const r = spawnSync('bash', [join(import.meta.dirname, 'setup.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) console.error('bench/setup.sh failed; continuing with what is installed');
}

async function wrk(name: string, url: string, bodyFile: string, type: string): Promise<LoadResult> {
  const env = { ...process.env, BODY_FILE: bodyFile, BODY_TYPE: type };
  // Warm-up (JIT, ORT arenas, connection setup), then the measured run.
  await runWrk(['-t2', `-c${CONNECTIONS}`, '-d2s', '-s', join(PEERS, 'post.lua'), url], env);
  const r = await runWrk(['-t2', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', '-s', join(PEERS, 'post.lua'), url], env);
  return parseWrk(name, r.stdout + r.stderr);
}

/** Start a server and wait for the line it prints once it is listening. */
async function start(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} did not start: ${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      if (out.length > 100_000) return; // only the start-up lines matter
      out += d.toString();
      if (/ready http|serving .* at http/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited (${code}): ${out}`)));
  });
  child.removeAllListeners('exit');
  await new Promise((r) => setTimeout(r, 300));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}

async function measure(name: string, cmd: string, argvFor: (port: number) => string[], bodies: Array<[string, string, string]>, env?: NodeJS.ProcessEnv): Promise<LoadResult[]> {
  console.error(`-- ${name}`);
  const port = await freePort();
  const child = await start(cmd, argvFor(port), env);
  try {
    const results: LoadResult[] = [];
    for (const [label, file, type] of bodies) results.push(await wrk(label || name, `http://127.0.0.1:${port}`, file, type));
    return results;
  } finally {
    await stop(child);
  }
}

setup();
const dir = mkdtempSync(join(tmpdir(), 'lepton-bench-serve-'));
try {
  // One MLP 784-128-10 from seeded weights, shared by every server (ONNX for ours, raw f32 for Flask).
  const w = mlpWeights([784, 128, 10], 2024);
  const modelPath = join(dir, 'mlp.onnx');
  writeFileSync(modelPath, mlpModel(w));
  const parts = w.layers.flatMap((l) => [l.w, l.b]);
  const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  writeFileSync(join(dir, 'weights.f32'), new Uint8Array(all.buffer));
  const x = randomInput(1, 784, 5);
  const jsonBody = join(dir, 'body.json');
  writeFileSync(jsonBody, JSON.stringify({ inputs: [Array.from(x, (v) => Number(v.toFixed(6)))] }));
  // Full precision: 16-17 significant digits per value, the body a client that prints float64s sends.
  const longBody = join(dir, 'body-long.json');
  writeFileSync(longBody, JSON.stringify({ inputs: [Array.from({ length: 784 }, () => Math.random())] }));
  const binBody = join(dir, 'body.f32');
  writeFileSync(binBody, new Uint8Array(x.buffer));
  const pngBody = join(dir, 'digit.png');
  writeFileSync(pngBody, encodePng(x, 28, 28));
  const tsx = [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs')];
  const node = process.execPath;

  const home = join(dir, 'home');
  const lepEnv = { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'warn' };
  const mk = spawnSync(node, [...tsx, 'src/cli/main.ts', 'photon', 'create', '--name', 'mnist', '--model', modelPath, '--labels', '0,1,2,3,4,5,6,7,8,9', '--image', '28x28:gray'], { cwd: ROOT, env: lepEnv, encoding: 'utf8' });
  if (mk.status !== 0) throw new Error(`lep photon create failed: ${mk.stderr}`);

  const json: Array<[string, string, string]> = [['', jsonBody, 'application/json']];
  const results: LoadResult[] = [];
  results.push(
    ...(await measure('fastify echo (floor)', node, (p) => [...tsx, join(PEERS, 'echo.ts'), String(p)], [
      ['fastify echo (floor)', jsonBody, 'application/json'],
      ['fastify echo (floor, long body)', longBody, 'application/json'],
    ])),
  );
  results.push(...(await measure('naive fastify+ORT', node, (p) => [...tsx, join(PEERS, 'naive-ort.ts'), modelPath, String(p)], json)));
  results.push(...(await measure('Flask+PyTorch', '/usr/bin/python3', (p) => [join(PEERS, 'flask_app.py'), join(dir, 'weights.f32'), String(p)], json)));
  results.push(
    ...(await measure('lep photon run', node, (p) => [...tsx, 'src/cli/main.ts', 'photon', 'run', '--name', 'mnist', '--port', String(p)], [
      ['lep photon run', jsonBody, 'application/json'],
      ['lep photon run (long body)', longBody, 'application/json'],
      ['lep photon run (binary f32)', binBody, 'application/octet-stream'],
      ['lep photon run (PNG upload)', pngBody, 'image/png'],
    ], lepEnv)),
  );

  const by = (n: string): LoadResult => results.find((r) => r.name === n)!;
  const lep = by('lep photon run');
  const longLep = by('lep photon run (long body)');
  console.log(`\nserve benchmark: MLP 784-128-10, wrk -t2 -c${CONNECTIONS} -d${DURATION}s, same JSON bodies (784 floats; short ${statSync(jsonBody).size} B, long ${statSync(longBody).size} B)\n`);
  console.log('| server | req/s | p50 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of results) console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |`);
  const ratio = (a: LoadResult, b: LoadResult): string => (a.rps / b.rps).toFixed(2);
  console.log('\n| target | measured | goal | met |');
  console.log('|---|---:|---:|---|');
  const rows: Array<[string, number, string, boolean]> = [
    ['lep / Flask', lep.rps / by('Flask+PyTorch').rps, '≥ 5×', lep.rps / by('Flask+PyTorch').rps >= 5],
    ['lep / naive ORT', lep.rps / by('naive fastify+ORT').rps, '≥ 1.5×', lep.rps / by('naive fastify+ORT').rps >= 1.5],
    ['lep / echo floor, short body', lep.rps / by('fastify echo (floor)').rps, '≥ 0.85', lep.rps / by('fastify echo (floor)').rps >= 0.85],
    ['lep / echo floor, long body', longLep.rps / by('fastify echo (floor, long body)').rps, '≥ 0.85', longLep.rps / by('fastify echo (floor, long body)').rps >= 0.85],
    ['lep p99 (ms)', lep.p99, '< 50', lep.p99 < 50],
  ];
  for (const [peer, target] of [['Flask+PyTorch', 5], ['naive fastify+ORT', 1.5]] as const) {
    record({ id: `photon-run-rps-vs-${peer.replace(/[^a-zA-Z0-9]+/g, '-').toLowerCase().replace(/-$/, '')}`, what: `lep photon run req/s, JSON body, ${CONNECTIONS} connections`, ours: lep.rps, peer: by(peer).rps, peerName: peer, unit: 'req/s', better: 'higher', target });
  }
  const echoNote = 'echo parses the body with JSON.parse and returns fixed scores; lep scans it into a Float32Array, batches and runs the MLP';
  record({ id: 'photon-run-rps-vs-echo-short', what: `lep photon run req/s, short JSON body (784 floats, 6 decimals), ${CONNECTIONS} connections`, ours: lep.rps, peer: by('fastify echo (floor)').rps, peerName: 'fastify echo (floor)', unit: 'req/s', better: 'higher', target: 0.85, notes: echoNote });
  record({ id: 'photon-run-rps-vs-echo-long', what: `lep photon run req/s, long JSON body (784 full-precision floats), ${CONNECTIONS} connections`, ours: longLep.rps, peer: by('fastify echo (floor, long body)').rps, peerName: 'fastify echo (floor)', unit: 'req/s', better: 'higher', target: 0.85, notes: echoNote });
  for (const [n, v, goal, ok] of rows) console.log(`| ${n} | ${v.toFixed(2)} | ${goal} | ${ok ? 'yes' : 'NO'} |`);
  console.log(`\nbinary f32 body vs JSON: ${ratio(by('lep photon run (binary f32)'), lep)}×; PNG uploads/s: ${by('lep photon run (PNG upload)').rps.toFixed(0)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
