/**
 * The main module of every replica process (the protocol is in replica-launcher.ts): config from
 * argv[2] or LEPTON_REPLICA_CONFIG, lifeline first, then the server, then one ready (or failed)
 * message. Only the lifeline and the config reader are imported statically: the lifeline holds
 * before the server, the engine and the model load, so a supervisor killed while this replica is
 * still starting leaves nothing running. This is an edge, like the CLI: it reads the environment
 * (LEPTON_HOME, LEPTON_LOG_LEVEL, LEPTON_MASTER_KEY for encrypted photons).
 */
import { join } from 'node:path';
import { exitCodeFor, toLeptonError } from '../core/errors.js';
import { holdLifeline } from './lifeline.js';
import { parseReplicaConfig, REPLICA_CONFIG_ENV, type ReplicaMessage } from './replica-launcher.js';

holdLifeline((why) => {
  process.stderr.write(`${why}: supervisor gone while starting; exiting\n`);
  process.exit(0);
});

/** To the launcher over IPC when there is a channel, else one JSON line on stdout; resolves once handed over. */
function announce(m: ReplicaMessage): Promise<void> {
  if (process.send && process.connected) {
    return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
  }
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(m)}\n`, () => resolve()));
}

try {
  const config = parseReplicaConfig(process.argv[2] ?? process.env[REPLICA_CONFIG_ENV] ?? '');
  const [{ configFromEnv }, { createLogger }, { envelopeCodec, loadKeyRing }, { runReplica }] = await Promise.all([
    import('../core/config.js'),
    import('../core/logger.js'),
    import('../secure/key-ring.js'),
    import('./replica.js'),
  ]);
  const env = configFromEnv();
  const home = config.home ?? env.home;
  // The same key ring `lep` would use: LEPTON_MASTER_KEY, else $home/master.key (+ .prev mid-rotation).
  const ring = config.ref === undefined ? undefined : loadKeyRing({ path: join(home, 'master.key'), envValue: process.env['LEPTON_MASTER_KEY'], create: false });
  const logger = createLogger({ level: env.logLevel, name: 'serve' });
  const handle = await runReplica(config, {
    home,
    logger,
    ...(ring ? { codec: envelopeCodec(ring) } : {}),
    onStopped: (why) => {
      process.stderr.write(`${why}: drained, stopped\n`);
      process.exit(0);
    },
  });
  await announce({ type: 'ready', url: handle.url, port: Number(new URL(handle.url).port), pid: process.pid, replicaId: handle.replicaId });
  // Image photons load the decoder (sharp) now, after the ready message rather than before it.
  if (handle.context.manifest.image) void import('../data/image.js').then((m) => m.preloadImageDecoder()).catch(() => undefined);
} catch (err) {
  const e = toLeptonError(err);
  // The launcher is this process's own supervisor, not a client: it gets the real message.
  const message = e.code === 'LEPTON_ERR_INTERNAL' && err instanceof Error ? err.message : e.message;
  process.stderr.write(`${e.code}: ${message}\n`);
  await announce({ type: 'failed', code: e.code, message });
  process.exit(exitCodeFor(e));
}
