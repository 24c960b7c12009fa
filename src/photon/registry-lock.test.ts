// The registry lock under filesystem failure (issue 21, defect 2): a lock that cannot be created fails
// at once with LEPTON_ERR_IO instead of spinning the event loop, a held lock is waited for with async
// sleeps up to a deadline (LEPTON_ERR_CONFLICT), and a stale lock is still broken. The registry runs in
// a child process: a synchronous spin would freeze this test's own timers, so only a kill can end it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LeptonError } from '../core/errors.js';
import { acquireDirLock, type LockFs } from './lock.js';

const REGISTRY = pathToFileURL(join(import.meta.dirname, 'registry.ts')).href;

interface ProbeResult {
  code: string;
  message: string;
  ms: number;
  ticks: number;
}

/**
 * In a child: tick a 10 ms interval, call `registry.remove('nothing')` (which takes the lock first)
 * and report the error code, the time it took and how often the interval ran meanwhile.
 */
async function probe(home: string, options: Record<string, unknown> = {}, killAfterMs = 8000): Promise<ProbeResult> {
  const script = `
    const { PhotonRegistry } = await import(${JSON.stringify(REGISTRY)});
    let ticks = 0;
    const iv = setInterval(() => ticks++, 10);
    const t0 = Date.now();
    const reg = new PhotonRegistry({ home: ${JSON.stringify(home)}, ...${JSON.stringify(options)} });
    try { await reg.remove('nothing'); process.stdout.write(JSON.stringify({ code: 'none', message: '', ms: Date.now() - t0, ticks })); }
    catch (e) { process.stdout.write(JSON.stringify({ code: e.code ?? String(e), message: e.message, ms: Date.now() - t0, ticks })); }
    clearInterval(iv);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, killAfterMs);
  try {
    await new Promise<void>((resolve) => child.on('close', () => resolve()));
  } finally {
    clearTimeout(killer);
  }
  assert.ok(!killed, `the registry call never returned within ${killAfterMs} ms (event loop spinning on the lock); stderr: ${err.slice(0, 500)}`);
  assert.ok(out.length > 0, `no result from the child; stderr: ${err.slice(0, 500)}`);
  return JSON.parse(out) as ProbeResult;
}

test('a lock path that cannot be a lock (self-looping link) fails fast with LEPTON_ERR_IO, no spin', { timeout: 30_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-lock-'));
  try {
    mkdirSync(join(home, 'photons'));
    // mkdir answers EEXIST, stat answers ELOOP: the old loop retried this forever without sleeping
    symlinkSync('.lock', join(home, 'photons', '.lock'));
    const r = await probe(home);
    assert.equal(r.code, 'LEPTON_ERR_IO', r.message);
    assert.match(r.message, /\.lock/);
    assert.ok(r.ms < 2000, `took ${r.ms} ms`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a file where the photons folder should be fails fast with LEPTON_ERR_IO naming the path', { timeout: 30_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-lock-'));
  try {
    writeFileSync(join(home, 'photons'), 'not a folder');
    const r = await probe(home);
    assert.equal(r.code, 'LEPTON_ERR_IO', r.message);
    assert.match(r.message, /photons/);
    assert.match(r.message, /ENOTDIR|EEXIST/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a lock held by a live process is waited for without blocking, then LEPTON_ERR_CONFLICT', { timeout: 30_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-lock-'));
  try {
    mkdirSync(join(home, 'photons', '.lock'), { recursive: true });
    const r = await probe(home, { lockWaitMs: 400 });
    assert.equal(r.code, 'LEPTON_ERR_CONFLICT', r.message);
    assert.ok(r.ms >= 350 && r.ms < 3000, `took ${r.ms} ms`);
    // the 10 ms interval kept running while the registry waited
    assert.ok(r.ticks >= 15, `only ${r.ticks} ticks in ${r.ms} ms: the wait blocked the event loop`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a stale lock left by a dead process is broken', { timeout: 30_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-lock-'));
  try {
    const lock = join(home, 'photons', '.lock');
    mkdirSync(lock, { recursive: true });
    const old = new Date(Date.now() - 120_000);
    utimesSync(lock, old, old);
    const r = await probe(home, { lockWaitMs: 2000 });
    // the lock was taken: remove() then reports the photon it could not find
    assert.equal(r.code, 'LEPTON_ERR_PHOTON_NOT_FOUND', r.message);
    assert.ok(!existsSync(lock), 'the lock is released afterwards');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** A lock filesystem whose mkdir fails with `code`, counting calls so a retry loop shows. */
function failingFs(code: string): LockFs & { calls: number } {
  const fs = {
    calls: 0,
    mkdir: async () => {
      fs.calls++;
      throw errno(code);
    },
    lstat: async () => {
      throw errno('ENOENT');
    },
    rename: async () => undefined,
    rm: async () => undefined,
  };
  return fs;
}

test('every errno other than EEXIST from creating the lock is LEPTON_ERR_IO at once, naming path and errno', async () => {
  for (const code of ['EACCES', 'EPERM', 'ENOSPC', 'EROFS', 'ENOTDIR', 'EDQUOT', 'EMLINK', 'ENAMETOOLONG']) {
    const fs = failingFs(code);
    const t0 = Date.now();
    await assert.rejects(acquireDirLock('/somewhere/photons/.lock', { fs, waitMs: 5000 }), (e: unknown) => {
      assert.ok(e instanceof LeptonError, String(e));
      assert.equal(e.code, 'LEPTON_ERR_IO');
      assert.match(e.message, /\/somewhere\/photons\/\.lock/);
      assert.match(e.message, new RegExp(code));
      return true;
    });
    assert.equal(fs.calls, 1, `${code}: mkdir retried`);
    assert.ok(Date.now() - t0 < 500);
  }
});

test('a lock that keeps vanishing between mkdir and lstat is retried with sleeps until the deadline', async () => {
  let calls = 0;
  const fs: LockFs = {
    mkdir: async () => {
      calls++;
      throw errno('EEXIST');
    },
    lstat: async () => {
      throw errno('ENOENT');
    },
    rename: async () => undefined,
    rm: async () => undefined,
  };
  const t0 = Date.now();
  await assert.rejects(acquireDirLock('/x/.lock', { fs, waitMs: 300, pollMs: 25 }), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_CONFLICT');
  assert.ok(Date.now() - t0 >= 250);
  assert.ok(calls < 40, `${calls} attempts in 300 ms: no sleep between them`);
});
