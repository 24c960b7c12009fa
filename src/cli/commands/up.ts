/**
 * `lep up`: the platform in one process — control plane, gateway and API on one port — and the
 * default `mnist` deployment (2 replicas), trained and packaged on first run. `npm start` runs it.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Command } from 'commander';
import { configFromEnv } from '../../core/config.js';
import { invalidArgument } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { StreamProgress } from '../../core/progress.js';
import { encodePng } from '../../data/png.js';
import { startPlatform, type Platform } from '../../deploy/platform.js';
import { authorize, isLoopbackAddress } from '../../secure/scopes.js';
import { rateFor } from '../../secure/rate-limit.js';
import { parseRateLimit, verifyBearer } from '../../secure/tokens.js';
import { loadToken, saveToken, tokenFilePath } from '../auth-client.js';
import { ensureDefaultPhoton } from '../default-photon.js';
import { lepLauncher } from '../lep-launcher.js';
import { exportStored } from '../k8s-export.js';
import { cliKeyRing } from '../master-key.js';
import { out, runCommand } from '../output.js';
import { intInRange } from '../options.js';

interface UpFlags {
  port: string;
  host: string;
  replicas: string;
  default: boolean;
  insecureLocal?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  corsOrigin?: string;
  rateLimit: string;
  exportK8s?: string;
  maxConcurrentJobs: string;
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw invalidArgument(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
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
    .option('--insecure-local', 'let loopback callers in without a token (only with a loopback --host)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--cors-origin <origins>', 'allow these browser origins (comma separated); CORS is off by default')
    .option('--export-k8s <dir>', 'write every stored deployment as Kubernetes objects into <dir> and exit (starts nothing)')
    .option('--rate-limit <rps>', "requests/s at the gateway for tokens created without their own --rate-limit, burst 2x, or 'unlimited' (admin tokens: unlimited)", '500')
    .option('--max-concurrent-jobs <n>', 'training jobs run at once; the rest wait in FIFO order', '1')
    .action((f: UpFlags) =>
      runCommand(async () => {
        const port = intInRange(f.port, '--port', 0, 65535);
        const maxConcurrentJobs = intInRange(f.maxConcurrentJobs, '--max-concurrent-jobs', 1, 64);
        if (f.exportK8s !== undefined) return exportStored(configFromEnv().home, f.exportK8s, `http://${f.host}:${port}`);
        const replicas = intInRange(f.replicas, '--replicas', 1, 64);
        const rps = parseRateLimit(f.rateLimit);
        const loopbackHost = f.host === 'localhost' || isLoopbackAddress(f.host);
        if (f.insecureLocal && !loopbackHost) throw invalidArgument(`--insecure-local needs a loopback --host (127.0.0.1, ::1), not ${f.host}`);
        if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw invalidArgument('give --tls-cert and --tls-key together');
        const tls = f.tlsCert && f.tlsKey ? { cert: readPem(f.tlsCert, '--tls-cert'), key: readPem(f.tlsKey, '--tls-key') } : undefined;
        const cfg = configFromEnv();
        const logger = createLogger({ level: cfg.logLevel, name: 'lep-up' });
        const keys = cliKeyRing(cfg.home, true)!;
        if (keys.loosePermissions) out.info(`warning: ${keys.path} is readable by other users; run 'chmod 600 ${keys.path}'`);
        logger.info({ keyId: keys.current.id, source: keys.source }, 'master key loaded');
        const corsOrigins = (f.corsOrigin ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '');
        const platform = await startPlatform({
          home: cfg.home,
          port,
          host: f.host,
          logger,
          security: { insecureLocal: f.insecureLocal === true, keys, corsOrigins, rateLimit: rps === null ? false : rateFor(rps) },
          ...(tls ? { tls } : {}),
          jobs: { launcher: lepLauncher, maxConcurrent: maxConcurrentJobs },
        });
        installSignals(platform);
        out.info(`control plane and gateway listening on ${platform.url} (state in ${join(cfg.home, 'lepton.db')}; photons and secrets encrypted with master key ${keys.current.id} from ${keys.source === 'env' ? 'LEPTON_MASTER_KEY' : keys.path})`);
        if (f.insecureLocal) out.info('warning: --insecure-local: loopback callers need no token');
        if (!tls && !loopbackHost) out.info(`warning: listening on ${f.host} without TLS: tokens cross the network in clear text; use --tls-cert/--tls-key or a TLS proxy`);
        if (platform.adminToken !== undefined) {
          out.info('first start: created the admin token. It is shown only now (the server keeps only its hash):');
          out.line(`  admin token  ${platform.adminToken}`);
          if (!existsSync(tokenFilePath(cfg.home))) {
            saveToken(platform.adminToken, cfg.home);
            out.info(`  saved for the lep CLI in ${tokenFilePath(cfg.home)} (mode 0600), as 'lep login' would`);
          }
        }
        if (f.default) {
          const progress = new StreamProgress(process.stderr);
          progress.setLabel('default model');
          const photon = await ensureDefaultPhoton(cfg, progress);
          await platform.registry.seal(); // the default photon was just stored in plaintext: encrypt it
          const ref = `${photon.name}@${photon.version}`;
          const existing = platform.controlPlane.listDeployments().find((d) => d.spec.name === 'mnist');
          if (!existing) {
            await platform.controlPlane.createDeployment({ name: 'mnist', photon: ref, replicas });
            platform.security?.audit.append({ actor: 'lep-up', action: 'deployment.create', target: 'mnist', result: 'ok', details: { photon: ref, replicas } });
          }
          out.info(`waiting for the mnist deployment (${existing ? existing.spec.photon : ref}) to be ready…`);
          const view = await platform.controlPlane.waitReady('mnist', 180_000);
          const sample = writeSample(cfg.home);
          out.line(`ready: mnist (${view.spec.photon}) with ${view.status.readyReplicas} replicas, policy ${view.spec.policy}`);
          out.line(`  console   ${platform.url}/ (open it in a browser; log in with the admin token)`);
          out.line(`  predict   ${platform.url}/deployments/mnist/predict`);
          out.line(`  API       ${platform.url}/api/v1/deployments`);
          out.line(`  metrics   ${platform.url}/metrics`);
          out.line(`  access    private: needs a token with infer:mnist or admin (lep deployment update mnist --public to open it)`);
          const auth = await curlAuth(platform, cfg.home, f.insecureLocal === true);
          const tlsOpt = f.tlsCert ? ` --cacert ${f.tlsCert}` : '';
          if (auth.note) out.info(auth.note);
          out.line(`try:\n  curl -s${tlsOpt} ${platform.url}/deployments/mnist/predict${auth.header} -H 'content-type: image/png' --data-binary @${sample}`);
        } else {
          out.line(`ready: ${platform.url} (API ${platform.url}/api/v1/deployments)`);
        }
        await new Promise(() => {}); // serve until a signal
      }),
    );
}

/**
 * The auth part of the printed curl line, so it works as printed: no header under --insecure-local;
 * the saved login token (read by the shell, not echoed) when it may call mnist; else $LEPTON_TOKEN.
 */
async function curlAuth(platform: Platform, home: string, insecureLocal: boolean): Promise<{ header: string; note?: string }> {
  if (insecureLocal) return { header: '' };
  let usable = false;
  try {
    const token = loadToken(home);
    if (token !== undefined && platform.security) {
      const p = await verifyBearer(`Bearer ${token}`, platform.security.tokens);
      usable = authorize(p.scopes, 'infer:mnist');
    }
  } catch {
    usable = false;
  }
  if (usable && process.env['LEPTON_TOKEN'] === undefined) return { header: ` -H "authorization: Bearer $(cat ${tokenFilePath(home)})"` };
  return {
    header: ' -H "authorization: Bearer $LEPTON_TOKEN"',
    note: "set LEPTON_TOKEN to a token that may call mnist, e.g. from 'lep token create --name demo --scope infer:mnist'",
  };
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
