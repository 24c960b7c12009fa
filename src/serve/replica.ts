/**
 * One replica's life, whoever started it: serve the config's photon or model file, drain and stop
 * on SIGTERM/SIGINT, and drain and stop (within 10 s) when the supervisor that started it is gone.
 * serve/replica-main.ts runs it under a launcher (deploy, navigator, a container); `lep photon run`
 * is its foreground form. Both took the lifeline before loading this module; here it is handed
 * the graceful stop.
 */
import { type Logger } from '../core/logger.js';
import { type ObjectCodec } from '../photon/registry.js';
import { holdLifeline } from './lifeline.js';
import { type ReplicaConfig } from './replica-launcher.js';
import { servePhoton } from './serve-photon.js';
import { type ServerHandle } from './server.js';

/** Longest drain once the supervisor is gone: nobody is left to SIGKILL a replica that lingers. */
const ORPHAN_DRAIN_MS = 10_000;

export interface RunReplicaOptions {
  /** Where `config.ref` is looked up when the config names no home. */
  home: string;
  logger: Logger;
  /** Registry codec when photons are encrypted at rest. */
  codec?: ObjectCodec;
  /** Called once when the server has stopped (`why`: the signal or the lifeline's reason); the process should exit. */
  onStopped(why: string): void;
}

export async function runReplica(config: ReplicaConfig, options: RunReplicaOptions): Promise<ServerHandle> {
  const handle = await servePhoton({
    ...(config.ref !== undefined ? { ref: config.ref, home: config.home ?? options.home, ...(options.codec ? { codec: options.codec } : {}) } : { modelFile: config.modelFile! }),
    host: config.host ?? '127.0.0.1',
    port: config.port ?? 0,
    ...(config.engine ? { engine: config.engine } : {}),
    ...(config.threads === undefined ? {} : { threads: config.threads }),
    ...(config.batching ? { batching: config.batching } : {}),
    ...(config.replicaId ? { replicaId: config.replicaId } : {}),
    ...(config.docs === undefined ? {} : { docs: config.docs }),
    logger: options.logger,
    drainDelayMs: 0,
  });
  let stopping = false;
  let reported = false;
  const stopped = (why: string): void => {
    if (reported) return;
    reported = true;
    options.onStopped(why);
  };
  const stop = (why: string, deadlineMs?: number): void => {
    if (stopping) return;
    stopping = true;
    if (deadlineMs !== undefined) setTimeout(() => stopped(why), deadlineMs).unref();
    void handle.close().then(
      () => stopped(why),
      () => stopped(why),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  holdLifeline((why) => stop(why, ORPHAN_DRAIN_MS));
  options.logger.info({ ref: handle.ref, url: handle.url, replica: handle.replicaId }, 'serving');
  return handle;
}
