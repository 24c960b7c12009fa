// `lep up` with auth on by default: the admin token is printed once (stdout) and saved 0600 for the
// CLI, the master key file is 0600, the API refuses calls without a token, `--insecure-local` opens
// loopback only and is refused with a non-loopback --host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const LEP = new URL('../bin/lep.js', import.meta.url).pathname;

/** Start `lep up` and resolve once it printed its ready line; returns the child and its stdout so far. */
function up(home: string, args: string[]): Promise<{ child: ReturnType<typeof spawn>; stdout: () => string }> {
  const child = spawn(process.execPath, [LEP, 'up', '--no-default', '--port', '0', ...args], {
    env: { ...process.env, LEPTON_HOME: home, LEPTON_LOG_LEVEL: 'silent', LEPTON_MASTER_KEY: '', LEPTON_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lep up did not get ready: ${out}`)), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (/ready: http/.test(out)) {
        clearTimeout(timer);
        resolve({ child, stdout: () => out });
      }
    });
    child.on('exit', (code) => reject(new Error(`lep up exited ${code}: ${out}`)));
  });
}

async function stop(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

test('lep up: admin token printed once and saved 0600, key file 0600, API needs a token', { timeout: 90_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'lepton-up-'));
  try {
    const first = await up(home, []);
    let url = '';
    try {
      const out = first.stdout();
      const token = /admin token\s+(lep_[0-9a-f]{12}_[A-Za-z0-9_-]{43})/.exec(out)?.[1];
      assert.ok(token, out);
      url = /ready: (http:\/\/[^ ]+)/.exec(out)![1]!;
      assert.equal(statSync(join(home, 'master.key')).mode & 0o777, 0o600);
      assert.equal(statSync(join(home, 'token')).mode & 0o777, 0o600);
      assert.equal(readFileSync(join(home, 'token'), 'utf8').trim(), token);
      assert.equal(readFileSync(join(home, 'lepton.db')).includes(token), false, 'the store keeps only the hash');
      assert.equal((await fetch(`${url}/api/v1/deployments`)).status, 401);
      assert.equal((await fetch(`${url}/api/v1/deployments`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    } finally {
      await stop(first.child);
    }
    const second = await up(home, ['--insecure-local']);
    try {
      assert.doesNotMatch(second.stdout(), /admin token/, 'printed only on the first start');
      url = /ready: (http:\/\/[^ ]+)/.exec(second.stdout())![1]!;
      assert.equal((await fetch(`${url}/api/v1/deployments`)).status, 200, '--insecure-local: loopback needs no token');
    } finally {
      await stop(second.child);
    }
    const refused = await promisify(execFile)(process.execPath, [LEP, 'up', '--no-default', '--host', '0.0.0.0', '--insecure-local'], { env: { ...process.env, LEPTON_HOME: home } }).catch((e: { code: number; stderr: string }) => e);
    assert.notEqual((refused as { code?: number }).code ?? 0, 0);
    assert.match((refused as { stderr: string }).stderr, /--insecure-local needs a loopback --host/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
