// Lifecycle faults of the deploy control plane (issue 21): replicas that outlive a SIGKILLed `lep up`,
// a failed create that leaves a ghost row, requests to a crash-looping deployment that wait their
// whole deadline, and a phase that flips while the supervisor relaunches. Each test is named after
// the defect it guards. Replica processes are found through /proc (their LEPTON_HOME and argv), and
// every child process a test starts is killed in t.after.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { loadKeyRing, type KeyRing } from '../src/deploy/keyring.js';
import { startPlatform, type Platform } from '../src/deploy/platform.js';
import { Store } from '../src/deploy/store.js';
import { createPhoton } from '../src/photon/create.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import { mlpModel, mlpWeights } from './fixtures/models.js';
import { addTinyPhoton, sleep, startTestPlatform, TINY_BODY, waitUntil } from './platform-helpers.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'lep.js');

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or null when the process is gone or a zombie. */
function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z') return null;
    return Number(rest[19]);
  } catch {
    return null;
  }
}

/** Live replica processes (serve/replica-main, or a `photon run` stand-in) started for LEPTON_HOME `home`. */
function replicaPids(home: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (!env.includes(`LEPTON_HOME=${home}`)) continue;
      const argv = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0');
      const i = argv.indexOf('photon');
      const replica = argv.some((a) => /replica-main\.[jt]s$/.test(a)) || (i >= 0 && argv[i + 1] === 'run');
      if (replica && startTicks(Number(name)) !== null) found.push(Number(name));
    } catch {
      // exited while we looked, or not ours to read
    }
  }
  return found;
}

function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The tiny photon stored in plaintext in `home` (as `lep photon create` does before a first `lep up`). */
async function storeTinyPhoton(home: string, name = 'tiny'): Promise<void> {
  const { archive } = await createPhoton({ name, version: '1', model: mlpModel(mlpWeights([4, 8, 3], 101)), labels: ['a', 'b', 'c'] });
  await new PhotonRegistry({ home }).add(archive);
}

interface LepUp {
  child: ChildProcess;
  url: string;
  token: string | undefined;
  exited: Promise<void>;
}

/** Run `lep up --no-default --port 0` as a child process and wait for its "ready:" line. */
async function lepUp(home: string, t: TestContext): Promise<LepUp> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'silent' };
  delete env['LEPTON_MASTER_KEY'];
  const child = spawn(process.execPath, [BIN, 'up', '--no-default', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lep up not ready after 60 s: ${out} ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready: (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => reject(new Error(`lep up exited early: ${out} ${err}`)));
  });
  return { child, url, token: /admin token\s+(\S+)/.exec(out)?.[1], exited };
}

async function call(url: string, token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await request(`${url}${path}`, {
    method: method as 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.body.text();
  return { status: r.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

test('issue21/4: replicas die when lep up is killed right after create', { timeout: 150_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-lifecycle-'));
  const seen = new Set<number>();
  t.after(() => {
    killAll([...seen, ...replicaPids(home)]);
    rmSync(home, { recursive: true, force: true });
  });
  await storeTinyPhoton(home);
  const up = await lepUp(home, t);
  assert.ok(up.token, 'a first start prints the admin token');
  const created = await call(up.url, up.token, 'POST', '/api/v1/deployments', { name: 'orph', photon: 'tiny', replicas: 2 });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  // The replicas are spawned right after the create answers; kill the platform once they exist,
  // long before they have loaded their model.
  await waitUntil(() => replicaPids(home).length >= 2, 15_000, 'the replica processes to be spawned');
  for (const pid of replicaPids(home)) seen.add(pid);
  const status = await call(up.url, up.token, 'GET', '/api/v1/deployments/orph');
  assert.equal((status.json['status'] as { readyReplicas: number }).readyReplicas, 0, 'killed before readiness');
  up.child.kill('SIGKILL');
  await up.exited;
  await waitUntil(() => replicaPids(home).length === 0, 8000, `the orphaned replicas (${[...seen].join(', ')}) to exit`).catch((err: Error) => {
    throw new Error(`${err.message}; still running: ${replicaPids(home).join(', ')}`);
  });

  // A restart finds no leftovers of the first run, brings the deployment back, and stops it on SIGTERM.
  const again = await lepUp(home, t);
  const r = await call(again.url, up.token, 'GET', '/api/v1/deployments/orph');
  assert.equal(r.status, 200);
  for (const pid of seen) assert.equal(startTicks(pid) === null || !replicaPids(home).includes(pid), true, `pid ${pid} of the killed run still runs`);
  await waitUntil(() => replicaPids(home).length >= 1, 15_000, 'the restored deployment to start replicas');
  for (const pid of replicaPids(home)) seen.add(pid);
  again.child.kill('SIGTERM');
  await again.exited;
  await waitUntil(() => replicaPids(home).length === 0, 10_000, 'replicas to stop with lep up');
});

test('issue21/4: a restart reaps recorded replicas that still run, checking pid and start time', { timeout: 60_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-lifecycle-'));
  // Stand-ins for orphaned replicas: they ignore SIGTERM (so only SIGKILL ends them) and carry
  // `photon run` in their argv like a real one.
  const stubborn = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('armed');`;
  const standIn = (): { child: ChildProcess; armed: Promise<void> } => {
    const child = spawn(process.execPath, ['-e', stubborn, 'photon', 'run'], { stdio: ['ignore', 'pipe', 'ignore'] });
    return { child, armed: new Promise((r) => child.stdout!.once('data', () => r())) };
  };
  const [a, b] = [standIn(), standIn()];
  const orphan = a.child;
  const stranger = b.child;
  const gone = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  t.after(() => {
    orphan.kill('SIGKILL');
    stranger.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });
  await Promise.race([Promise.all([a.armed, b.armed]), sleep(20_000).then(() => Promise.reject(new Error('the stand-ins did not start')))]);
  const store = new Store(home);
  store.putReplica({ id: 'old-a', deployment: 'gone', pid: orphan.pid!, port: 1, photon: 'x@1', procStart: startTicks(orphan.pid!) } as never);
  // Same pid as a live process but another start time: the pid was reused, it is not ours to kill.
  store.putReplica({ id: 'old-b', deployment: 'gone', pid: stranger.pid!, port: 2, photon: 'x@1', procStart: startTicks(stranger.pid!)! + 1 } as never);
  store.close();

  const p = await startTestPlatform({ home, controlPlane: { supervisor: { stopGraceMs: 500 } } });
  try {
    const died = await Promise.race([gone(orphan).then(() => true), sleep(8000).then(() => false)]);
    assert.ok(died, 'the recorded orphan was killed (SIGTERM, then SIGKILL)');
    assert.equal(orphan.signalCode, 'SIGKILL');
    await sleep(200);
    assert.equal(stranger.exitCode, null, 'a process whose start time does not match is left alone');
    assert.equal(stranger.signalCode, null);
    assert.deepEqual(p.store.listReplicas(), [], 'the records of the previous run are cleared');
    const events = p.store.listEvents({ deployment: 'gone' }).map((e) => `${e.type}:${e.replica ?? ''}`);
    assert.ok(events.includes('orphan-stopped:old-a'), events.join(' '));
    assert.ok(!events.includes('orphan-stopped:old-b'), events.join(' '));
  } finally {
    await p.dispose();
  }
});

test('issue21/5: a create that fails at any step leaves nothing behind', { timeout: 90_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-lifecycle-'));
  const keys: KeyRing = loadKeyRing({ path: join(home, 'master.key'), create: true })!;
  const first = await startTestPlatform({ home, security: { keys } });
  const token = first.token;
  let p: Platform = first;
  await addTinyPhoton(p, '1');
  const api = (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> =>
    call(p.url, token, method, `/api/v1${path}`, body);
  const names = async (): Promise<string[]> => ((await api('GET', '/deployments')).json['deployments'] as Array<{ spec: { name: string } }>).map((d) => d.spec.name);
  const restart = async (): Promise<void> => {
    await p.close();
    p = await startPlatform({ home, port: 0, host: '127.0.0.1', security: { keys } });
  };

  interface Step {
    what: string;
    body?: Record<string, unknown>;
    inject(): void | Promise<void>;
    /** Remove the cause (after the restart, on the new platform). */
    heal(): void | Promise<void>;
  }
  const steps: Step[] = [
    {
      what: 'the logs folder cannot be made',
      inject: () => {
        mkdirSync(join(home, 'logs'), { recursive: true });
        writeFileSync(join(home, 'logs', 'ghost'), 'a file where the folder goes');
      },
      heal: () => rmSync(join(home, 'logs', 'ghost')),
    },
    {
      what: 'a secret is missing',
      body: { secrets: ['GHOST_KEY'] },
      inject: () => {},
      heal: async () => assert.equal((await api('PUT', '/secrets/GHOST_KEY', { value: 'v' })).status, 200),
    },
    {
      what: 'the photon does not exist',
      body: { photon: 'ghostly' },
      inject: () => {},
      heal: async () => {
        const { archive } = await createPhoton({ name: 'ghostly', version: '1', model: mlpModel(mlpWeights([4, 8, 3], 5)) });
        await p.controlPlane.addPhoton(archive);
      },
    },
    {
      what: 'the gateway refuses the route',
      inject: () => {
        const real = p.gateway.upsertDeployment.bind(p.gateway);
        p.gateway.upsertDeployment = (name, o) => {
          p.gateway.upsertDeployment = real;
          if (name === 'ghost') throw new Error('injected gateway failure');
          return real(name, o);
        };
      },
      heal: () => {},
    },
    {
      what: 'the store fails after the row is written',
      inject: () => {
        const real = p.store.addEvent.bind(p.store);
        p.store.addEvent = (e) => {
          if (e.deployment === 'ghost' && e.type === 'created') {
            p.store.addEvent = real;
            throw new Error('injected store failure');
          }
          real(e);
        };
      },
      heal: () => {},
    },
  ];
  try {
    for (const s of steps) {
      const body = { name: 'ghost', photon: 'tiny', replicas: 0, ...s.body };
      await s.inject();
      const failed = await api('POST', '/deployments', body);
      assert.ok(failed.status >= 400, `${s.what}: create must fail, got ${failed.status}`);
      assert.deepEqual(await names(), [], `${s.what}: list shows nothing`);
      assert.equal((await api('GET', '/deployments/ghost')).status, 404, `${s.what}: status finds nothing`);
      assert.equal(p.gateway.stats('ghost'), undefined, `${s.what}: no gateway route is left`);
      await restart();
      assert.deepEqual(await names(), [], `${s.what}: nothing comes back after a restart`);
      assert.equal(p.store.getDeployment('ghost'), undefined, `${s.what}: no row in the store`);
      await s.heal();
      const ok = await api('POST', '/deployments', body);
      assert.equal(ok.status, 201, `${s.what}: create succeeds once the cause is gone: ${JSON.stringify(ok.json)}`);
      assert.deepEqual(await names(), ['ghost']);
      assert.equal((await api('DELETE', '/deployments/ghost')).status, 200);
    }
  } finally {
    await p.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('a deployment whose secret was removed comes back held after a restart: listed, fixable, removable, never a ghost', { timeout: 90_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-lifecycle-'));
  const keys: KeyRing = loadKeyRing({ path: join(home, 'master.key'), create: true })!;
  const first = await startTestPlatform({ home, security: { keys } });
  const token = first.token;
  let p: Platform = first;
  const api = (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> =>
    call(p.url, token, method, `/api/v1${path}`, body);
  try {
    await addTinyPhoton(p, '1');
    assert.equal((await api('PUT', '/secrets/HELD_KEY', { value: 'v1' })).status, 200);
    assert.equal((await api('POST', '/deployments', { name: 'held', photon: 'tiny', replicas: 0, secrets: ['HELD_KEY'] })).status, 201);
    assert.equal((await api('DELETE', '/secrets/HELD_KEY')).status, 200);
    await p.close();
    p = await startPlatform({ home, port: 0, host: '127.0.0.1', security: { keys } });
    // The secret lookup runs in the background at start: wait until the deployment is listed.
    await waitUntil(async () => (await api('GET', '/deployments/held')).status === 200, 10_000, 'the held deployment to be listed');
    const v = (await api('GET', '/deployments/held')).json as { status: { message: string } };
    assert.match(v.status.message, /not started: .*HELD_KEY/);
    assert.equal((await api('POST', '/deployments', { name: 'held', photon: 'tiny', replicas: 0 })).status, 409, 'the name stays taken, by a visible deployment');
    // An update while the secret is still missing is refused and changes nothing.
    assert.equal((await api('PATCH', '/deployments/held', { replicas: 0 })).status, 404);
    assert.equal((await api('PUT', '/secrets/HELD_KEY', { value: 'v2' })).status, 200);
    assert.equal((await api('PATCH', '/deployments/held', { replicas: 0 })).status, 202, 'once the secret exists, an update releases the hold');
    assert.equal(((await api('GET', '/deployments/held')).json as { status: { message: string } }).status.message, '');
    assert.equal((await api('DELETE', '/deployments/held')).status, 200);
    assert.equal(p.store.getDeployment('held'), undefined);
  } finally {
    await p.close();
    rmSync(home, { recursive: true, force: true });
  }
});

/** A platform whose replicas crash at start (exit 3): the crash-loop fixture. */
async function crashingPlatform(t: TestContext): Promise<Platform & { token: string }> {
  const p = await startTestPlatform({
    controlPlane: {
      supervisor: {
        command: () => ({ command: process.execPath, args: ['-e', 'process.exit(3)'] }),
        crashLoopThreshold: 3,
        backoffBaseMs: 50,
        backoffMaxMs: 400,
      },
    },
  });
  t.after(() => p.dispose());
  await addTinyPhoton(p, '1');
  const r = await call(p.url, p.token, 'POST', '/api/v1/deployments', { name: 'crashy', photon: 'tiny', replicas: 1 });
  assert.equal(r.status, 201);
  await waitUntil(() => p.controlPlane.getDeployment('crashy').status.phase === 'CrashLooping', 20_000, 'the deployment to crash-loop');
  return p;
}

test('issue21/6: a crash-looping deployment answers 503 + Retry-After at once', { timeout: 60_000 }, async (t) => {
  const p = await crashingPlatform(t);
  const started = Date.now();
  const r = await request(`${p.url}/deployments/crashy/predict`, {
    method: 'POST',
    body: TINY_BODY,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${p.token}` },
    headersTimeout: 5000,
  });
  const body = (await r.body.json()) as { error: { code: string } };
  const took = Date.now() - started;
  assert.equal(r.statusCode, 503);
  assert.equal(body.error.code, 'LEPTON_ERR_NO_REPLICA');
  assert.ok(Number(r.headers['retry-after']) >= 1, `Retry-After: ${String(r.headers['retry-after'])}`);
  assert.ok(took < 1000, `answered after ${took} ms`);
});

test('issue21/9: the phase stays CrashLooping across relaunches', { timeout: 60_000 }, async (t) => {
  const p = await crashingPlatform(t);
  const restarts = (): number => p.controlPlane.getDeployment('crashy').status.replicas.reduce((n, r) => n + r.restarts, 0);
  const from = restarts();
  const phases = new Set<string>();
  const until = Date.now() + 2500;
  while (Date.now() < until) {
    phases.add(p.controlPlane.getDeployment('crashy').status.phase);
    await sleep(5);
  }
  assert.ok(restarts() - from >= 3, `only ${restarts() - from} relaunches while sampling`);
  assert.deepEqual([...phases], ['CrashLooping']);
});
