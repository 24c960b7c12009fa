// Fail-fast of the tcp transport with real processes on loopback: kill one rank of four with
// SIGKILL mid-training and every other rank must exit within seconds (far below the 30 s
// collective timeout) with LEPTON_ERR_PEER_LOST naming the killed rank; a stopped (SIGSTOP) rank
// is caught by the collective timeout instead. Never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../src/parallel/testing.js';

const RANK = join(import.meta.dirname, 'fixtures', 'parallel-rank.ts');

interface Rank {
  child: ChildProcess;
  steps: number;
  stderr: string;
  exit: Promise<{ code: number | null; at: number }>;
}

function start(world: number, port: number, extraArgs: string[] = []): Rank[] {
  const secret = randomBytes(24).toString('hex');
  return Array.from({ length: world }, (_, rank) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RANK, String(rank), String(world), String(port), ...extraArgs], {
      env: { ...process.env, LEPTON_DIST_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r: Rank = { child, steps: 0, stderr: '', exit: new Promise((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() }))) };
    child.stdout!.on('data', (b: Buffer) => (r.steps += b.toString().split('\n').filter((l) => l.startsWith('step')).length));
    child.stderr!.on('data', (b: Buffer) => (r.stderr += b.toString()));
    return r;
  });
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cleanup(ranks: Rank[]): void {
  for (const r of ranks) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
}

async function killAndWatch(victim: number): Promise<void> {
  const ranks = start(4, await freePort());
  try {
    await until(() => ranks.every((r) => r.steps >= 3), 60_000, 'all ranks to run 3 steps');
    const killedAt = Date.now();
    ranks[victim]!.child.kill('SIGKILL');
    for (const [rank, r] of ranks.entries()) {
      if (rank === victim) continue;
      const { code, at } = await Promise.race([r.exit, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`rank ${rank} still running 10 s after rank ${victim} was killed`)), 10_000))]);
      assert.equal(code, 3, `rank ${rank} exit code (stderr: ${r.stderr})`);
      const err = JSON.parse(r.stderr.trim().split('\n').pop()!) as { code: string; message: string };
      assert.equal(err.code, 'LEPTON_ERR_PEER_LOST', `rank ${rank}: ${err.message}`);
      assert.match(err.message, new RegExp(`rank ${victim}\\b`), `rank ${rank} names the killed rank`);
      assert.ok(at - killedAt < 5000, `rank ${rank} stopped ${at - killedAt} ms after the kill`);
    }
  } finally {
    cleanup(ranks);
  }
}

test('a killed rank (not the master, not next to it) makes every other rank fail fast, naming it', () => killAndWatch(2));

test('a killed master (rank 0) makes every other rank fail fast, naming it', () => killAndWatch(0));

test('a stopped rank (SIGSTOP) makes the others fail with a timeout instead of hanging', async () => {
  // Collective timeout 2 s (the fixture's 4th argument).
  const ranks = start(3, await freePort(), ['2000']);
  try {
    await until(() => ranks.every((r) => r.steps >= 3), 60_000, 'all ranks to run 3 steps');
    ranks[1]!.child.kill('SIGSTOP');
    for (const rank of [0, 2]) {
      const r = ranks[rank]!;
      const { code } = await Promise.race([r.exit, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`rank ${rank} hangs`)), 15_000))]);
      assert.equal(code, 3);
      const err = JSON.parse(r.stderr.trim().split('\n').pop()!) as { code: string; message: string };
      assert.ok(['LEPTON_ERR_DEADLINE_EXCEEDED', 'LEPTON_ERR_PEER_LOST'].includes(err.code), err.message);
      assert.match(err.message, /timed out/);
    }
  } finally {
    ranks[1]!.child.kill('SIGCONT');
    cleanup(ranks);
  }
});
