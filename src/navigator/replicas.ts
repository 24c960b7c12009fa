/**
 * Start N replica processes for one serving setting. Separate processes, not in-process servers:
 * real replicas do not share an event loop or an ORT thread pool, and /proc gives each one's own
 * CPU time and memory, which is what the bill is computed from.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LeptonError } from '../core/errors.js';
import { cpuSeconds, peakRssMb } from './procstat.js';
import { type ServingConfig } from './types.js';

const ENTRY = fileURLToPath(new URL('./replica-main.ts', import.meta.url));

/** The loader flags (tsx) this process runs with, so the child can run TypeScript too. */
function loaderArgs(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if ((v === '--import' || v === '--require' || v === '--loader' || v === '--experimental-loader') && a[i + 1]) {
      out.push(v, a[++i]!);
    } else if (/^--(import|require|loader|experimental-loader)=/.test(v)) {
      out.push(v);
    }
  }
  return out.some((v) => v.includes('tsx')) ? out : [...out, '--import', 'tsx'];
}

export interface ReplicaSet {
  urls: string[];
  pids: number[];
  /** Total CPU seconds of all replicas so far. */
  cpuSeconds(): number;
  /** Sum of the replicas' peak RSS, MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

function startOne(modelFile: string, c: ServingConfig, timeoutMs: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...loaderArgs(), ENTRY, JSON.stringify({ modelFile, threads: c.threads, maxBatch: c.maxBatch, maxWaitMs: c.maxWaitMs })], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => fail(`replica did not start within ${timeoutMs} ms`), timeoutMs);
    const fail = (msg: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new LeptonError('LEPTON_ERR_INTERNAL', `${msg}${err ? `: ${err.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    };
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      try {
        resolve({ child, url: (JSON.parse(line) as { url: string }).url });
      } catch {
        fail('replica printed an unreadable address');
      }
    });
    child.on('exit', (code) => fail(`replica exited with code ${code}`));
  });
}

export async function startReplicas(modelFile: string, c: ServingConfig, timeoutMs = 30_000): Promise<ReplicaSet> {
  const started = await Promise.allSettled(Array.from({ length: c.replicas }, () => startOne(modelFile, c, timeoutMs)));
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(
      ok.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 4000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const pids = ok.map(({ child }) => child.pid!);
  return {
    urls: ok.map((o) => o.url),
    pids,
    cpuSeconds: () => pids.reduce((a, p) => a + cpuSeconds(p), 0),
    peakRssMb: () => pids.reduce((a, p) => a + peakRssMb(p), 0),
    stop,
  };
}
