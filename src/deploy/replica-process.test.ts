// Supervisor: readiness, log capture, restart with backoff after a crash, crash-loop detection,
// graceful stop — against a tiny fake replica script (no model, so these run in well under a second each).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SUPERVISOR_OPTIONS, ReplicaProcess, type ReplicaHooks, type SupervisorOptions } from './replica-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lepton-supervisor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// MODE=ok serves; MODE=crash exits 3 at once; MODE=once crashes the first time only (marker file).
// MODE=mute serves but never sends the ready message.
const script = join(dir, 'fake-replica.mjs');
writeFileSync(
  script,
  `import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
const [port, mode, marker] = process.argv.slice(2);
console.log('fake replica booting in mode ' + mode);
if (mode === 'crash' || (mode === 'once' && !existsSync(marker))) {
  if (mode === 'once') writeFileSync(marker, 'x');
  console.error('boom');
  process.exit(3);
}
const s = createServer((req, res) => res.writeHead(req.url === '/v2/health/ready' ? 200 : 404).end('{}'));
// the replica protocol (serve/replica-launcher.ts): ready once listening, over the IPC channel;
// MODE=mute listens (and answers HTTP) but never says it is ready
s.listen(Number(port), '127.0.0.1', () => mode === 'mute' || process.send({ type: 'ready', url: 'http://127.0.0.1:' + port, port: Number(port), pid: process.pid, replicaId: 'fake' }));
process.on('SIGTERM', () => { console.log('draining'); s.close(() => process.exit(0)); });
`,
);

function make(mode: string, extra: Partial<SupervisorOptions> = {}): { r: ReplicaProcess; events: string[]; ready: number; exits: number } {
  const state = { events: [] as string[], ready: 0, exits: 0, r: undefined as unknown as ReplicaProcess };
  const hooks: ReplicaHooks = {
    onReady: () => state.ready++,
    onExit: () => state.exits++,
    onEvent: (_r, type) => state.events.push(type),
  };
  const options: SupervisorOptions = {
    ...DEFAULT_SUPERVISOR_OPTIONS,
    backoffBaseMs: 20,
    backoffMaxMs: 100,
    crashLoopThreshold: 3,
    stopGraceMs: 2000,
    readyTimeoutMs: 10_000,
    ...extra,
    command: ({ port }) => ({ command: process.execPath, args: [script, String(port), mode, join(dir, `${mode}.marker`)] }),
  };
  state.r = new ReplicaProcess(`rep-${mode}`, 'd', 'p@1', join(dir, `${mode}.log`), options, hooks);
  return state;
}

test('starts, becomes ready, logs to its file, stops gracefully on SIGTERM', async () => {
  const s = make('ok');
  assert.equal(await s.r.start(), true);
  assert.equal(s.r.state, 'ready');
  assert.equal(s.ready, 1);
  assert.ok(s.r.pid);
  await s.r.stop();
  assert.equal(s.r.state, 'stopped');
  assert.equal(s.exits, 0, 'a requested stop is not a crash');
  const log = readFileSync(join(dir, 'ok.log'), 'utf8');
  assert.match(log, /starting on port/);
  assert.match(log, /fake replica booting in mode ok/);
  assert.match(log, /draining/);
});

test('restarts a replica that crashed and counts the restart', async () => {
  const s = make('once');
  assert.equal(await s.r.start(), true);
  assert.equal(s.r.restarts, 1);
  assert.deepEqual(s.events.filter((e) => e !== 'replica-starting'), ['replica-crashed', 'replica-ready']);
  assert.match(readFileSync(join(dir, 'once.log'), 'utf8'), /boom/);
  await s.r.stop();
});

test('a replica that keeps dying is marked crash-looping (and keeps being retried)', async () => {
  const s = make('crash');
  assert.equal(await s.r.start(), false);
  assert.equal(s.r.state, 'crash-looping');
  assert.equal(s.events.filter((e) => e === 'replica-crashed').length, 2);
  assert.ok(s.events.includes('replica-crash-looping'));
  await s.r.stop();
  assert.equal(s.r.state, 'stopped');
});

test('a replica that never announces readiness is killed after the ready timeout and retried', async () => {
  const s = make('mute', { readyTimeoutMs: 300 });
  assert.equal(await s.r.start(), false);
  assert.equal(s.r.state, 'crash-looping');
  assert.equal(s.ready, 0, 'answering HTTP is not enough: readiness is the ready message');
  assert.equal(s.events.filter((e) => e === 'replica-ready-timeout').length, 3);
  await s.r.stop();
});

test('a command that cannot be spawned is reported and retried, not thrown', async () => {
  const events: string[] = [];
  const r = new ReplicaProcess('rep-missing', 'd', 'p@1', join(dir, 'missing.log'), {
    ...DEFAULT_SUPERVISOR_OPTIONS,
    backoffBaseMs: 10,
    crashLoopThreshold: 2,
    command: () => ({ command: join(dir, 'no-such-binary'), args: [] }),
  }, { onReady: () => {}, onExit: () => {}, onEvent: (_r, t) => events.push(t) });
  assert.equal(await r.start(), false);
  assert.ok(events.includes('replica-crash-looping'));
  await r.stop();
});
