// The one replica entry point (serve/replica-main.ts) through its launcher: ready over IPC with the
// real address, a failed start reported with its code, the lifeline held from the start, readiness
// on stdout when nothing launched it (a container), and an encrypted photon read with $home's master key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createPhoton } from '../src/photon/create.js';
import { PhotonRegistry } from '../src/photon/registry.js';
import { envelopeCodec, loadKeyRing } from '../src/secure/key-ring.js';
import { launchReplica, parseReplicaConfig, replicaSpawn, REPLICA_CONFIG_ENV, type ReplicaConfig } from '../src/serve/replica-launcher.js';
import { LABELS, MODEL, expected, postJson, sampleRows } from './fixtures/serve-helpers.js';

function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'lepton-replica-'));
  writeFileSync(join(home, 'digits.onnx'), MODEL);
  return home;
}

async function predictsRight(url: string): Promise<void> {
  const x = sampleRows(1, 4);
  const r = (await (await postJson(url, { inputs: [Array.from(x)] })).json()) as { predictions: Array<{ index: number }> };
  assert.equal(r.predictions[0]!.index, expected(x, 1)[0]!.index);
}

test('a launched replica announces its address over IPC, serves, and drains on stop', { timeout: 60_000 }, async () => {
  const home = tempHome();
  const r = launchReplica(replicaSpawn({ modelFile: join(home, 'digits.onnx'), port: 0, replicaId: 'r-1', batching: { maxWaitMs: 1 } }), { readyTimeoutMs: 45_000 });
  try {
    const ready = await r.ready;
    assert.equal(ready.type, 'ready');
    assert.equal(ready.pid, r.child.pid);
    assert.equal(ready.replicaId, 'r-1');
    assert.equal(ready.url, `http://127.0.0.1:${ready.port}`);
    assert.ok(ready.port > 0);
    const health = await request(`${ready.url}/v2/health/ready`);
    await health.body.dump();
    assert.equal(health.statusCode, 200, 'readiness is checkable over HTTP too');
    await predictsRight(ready.url);
    await r.stop(10_000);
    assert.equal(r.child.exitCode, 0, 'SIGTERM drains and exits 0');
  } finally {
    r.child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
});

test('a start that fails is reported with its error code, and the process exits', { timeout: 60_000 }, async () => {
  const r = launchReplica(replicaSpawn({ modelFile: join(tmpdir(), 'no-such-model.onnx') }), { readyTimeoutMs: 45_000 });
  try {
    await assert.rejects(r.ready, (err: Error & { code?: string }) => err.code === 'LEPTON_ERR_NOT_FOUND' && /no-such-model/.test(err.message));
    await r.exited;
    assert.equal(r.child.exitCode, 2, 'a caller mistake exits 2, as the CLI does');
  } finally {
    r.child.kill('SIGKILL');
  }
});

test('the lifeline holds from the start: a replica whose launcher is gone before it loaded exits', { timeout: 60_000 }, async () => {
  const home = tempHome();
  const r = launchReplica(replicaSpawn({ modelFile: join(home, 'digits.onnx') }), { readyTimeoutMs: 45_000 });
  try {
    // What the replica sees when a SIGKILLed supervisor's end of the channel closes.
    r.child.disconnect();
    await assert.rejects(r.ready, /supervisor gone while starting/);
    await r.exited;
    assert.equal(r.child.exitCode, 0);
  } finally {
    r.child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
});

test('without a launcher (a container) the config comes from the env and readiness is one JSON line on stdout', { timeout: 60_000 }, async () => {
  const home = tempHome();
  const { command, args } = replicaSpawn({ modelFile: 'unused' });
  const entry = args.filter((a) => !a.startsWith('{'));
  const config: ReplicaConfig = { modelFile: join(home, 'digits.onnx'), port: 0 };
  const child = spawn(command, entry, { env: { ...process.env, [REPLICA_CONFIG_ENV]: JSON.stringify(config), LEPTON_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  try {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
      child.on('exit', (code) => reject(new Error(`replica exited (${code}): ${out} ${err}`)));
    });
    const ready = JSON.parse(line) as { type: string; url: string };
    assert.equal(ready.type, 'ready');
    await predictsRight(ready.url);
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(out.trim().split('\n').length, 1, 'stdout carries the ready line only');
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
});

test('an encrypted photon is served with the master key from $home, as lep would read it', { timeout: 60_000 }, async () => {
  const home = tempHome();
  const ring = loadKeyRing({ path: join(home, 'master.key'), create: true })!;
  await new PhotonRegistry({ home, codec: envelopeCodec(ring) }).add((await createPhoton({ name: 'digits', version: '1', model: MODEL, labels: LABELS })).archive);
  // The replica inherits the launcher's environment: with no LEPTON_MASTER_KEY there, it must find $home/master.key.
  const savedKey = process.env['LEPTON_MASTER_KEY'];
  delete process.env['LEPTON_MASTER_KEY'];
  let r;
  try {
    r = launchReplica(replicaSpawn({ ref: 'digits@1', home }), { readyTimeoutMs: 45_000 });
  } finally {
    if (savedKey !== undefined) process.env['LEPTON_MASTER_KEY'] = savedKey;
  }
  try {
    await predictsRight((await r.ready).url);
  } finally {
    await r.stop(5000);
    rmSync(home, { recursive: true, force: true });
  }
});

test('a replica config is checked field by field', () => {
  assert.deepEqual(parseReplicaConfig('{"ref":"a@1","home":"/h","port":0,"batching":{"maxBatch":4}}'), { ref: 'a@1', home: '/h', port: 0, batching: { maxBatch: 4 } });
  for (const bad of ['', '[]', '{}', '{"ref":"a","modelFile":"m.onnx"}', '{"ref":"a","port":70000}', '{"ref":"a","threads":0}', '{"ref":"a","engine":"gpu"}', '{"ref":"a","secret":1}', '{"ref":"a","batching":{"maxWait":1}}']) {
    assert.throws(() => parseReplicaConfig(bad), /LEPTON_ERR_INVALID_ARGUMENT|replica config/, bad);
  }
});
