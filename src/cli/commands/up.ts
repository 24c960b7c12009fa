/**
 * `lep up`: the platform in one process — control plane, gateway and API on one port — and the
 * default `mnist` deployment (2 replicas), trained and packaged on first run. `npm start` runs it.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Command } from 'commander';
import { configFromEnv } from '../../core/config.js';
import { invalidArgument } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { StreamProgress } from '../../core/progress.js';
import { encodePng } from '../../data/png.js';
import { startPlatform, type Platform } from '../../deploy/platform.js';
import { ensureDefaultPhoton } from '../default-photon.js';
import { out, runCommand } from '../output.js';

interface UpFlags {
  port: string;
  host: string;
  replicas: string;
  default: boolean;
}

function int(v: string, flag: string, lo: number, hi: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw invalidArgument(`${flag} must be an integer from ${lo} to ${hi}, got '${v}'`);
  return n;
}

/** Write a real handwritten 7 from the mnist package as a PNG, for the printed curl example. */
function writeSample(home: string): string {
  const dir = join(home, 'samples');
  mkdirSync(dir, { recursive: true });
  const digits = createRequire(import.meta.url)('mnist') as Array<{ get(i?: number): number[] }>;
  const path = join(dir, 'digit-7.png');
  writeFileSync(path, encodePng(digits[7]!.get(0), 28, 28));
  return path;
}

export function register(program: Command): void {
  program
    .command('up')
    .description('start the platform (control plane + gateway + API) and the default mnist deployment')
    .option('--port <n>', 'port of the front door', '8080')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--replicas <n>', 'replicas of the default mnist deployment when it is first created', '2')
    .option('--no-default', 'do not create the default mnist deployment')
    .action((f: UpFlags) =>
      runCommand(async () => {
        const port = int(f.port, '--port', 0, 65535);
        const replicas = int(f.replicas, '--replicas', 1, 64);
        const cfg = configFromEnv();
        const logger = createLogger({ level: cfg.logLevel, name: 'lep-up' });
        const platform = await startPlatform({ home: cfg.home, port, host: f.host, logger });
        installSignals(platform);
        out.info(`control plane and gateway listening on ${platform.url} (state in ${join(cfg.home, 'lepton.db')})`);
        if (f.default) {
          const progress = new StreamProgress(process.stderr);
          progress.setLabel('default model');
          const photon = await ensureDefaultPhoton(cfg, progress);
          const ref = `${photon.name}@${photon.version}`;
          const existing = platform.controlPlane.listDeployments().find((d) => d.spec.name === 'mnist');
          if (!existing) await platform.controlPlane.createDeployment({ name: 'mnist', photon: ref, replicas });
          out.info(`waiting for the mnist deployment (${existing ? existing.spec.photon : ref}) to be ready…`);
          const view = await platform.controlPlane.waitReady('mnist', 180_000);
          const sample = writeSample(cfg.home);
          out.line(`ready: mnist (${view.spec.photon}) with ${view.status.readyReplicas} replicas, policy ${view.spec.policy}`);
          out.line(`  predict   ${platform.url}/deployments/mnist/predict`);
          out.line(`  API       ${platform.url}/api/v1/deployments`);
          out.line(`  metrics   ${platform.url}/metrics`);
          out.line(`try:\n  curl -s ${platform.url}/deployments/mnist/predict -H 'content-type: image/png' --data-binary @${sample}`);
        } else {
          out.line(`ready: ${platform.url} (API ${platform.url}/api/v1/deployments)`);
        }
        await new Promise(() => {}); // serve until a signal
      }),
    );
}

/** First SIGINT/SIGTERM: drain and stop replicas, keep state for the next `lep up`. Second: exit now. */
function installSignals(platform: Platform): void {
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) process.exit(130);
    stopping = true;
    out.info(`${signal}: stopping replicas (deployments come back on the next 'lep up')…`);
    void platform.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}
