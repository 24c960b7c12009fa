/**
 * Entry point of one replica process the navigator starts: serves a model file with the given
 * threads and batching on 127.0.0.1 (free port), prints `{"url": …}` on stdout, and exits when told
 * (SIGTERM) or when its parent goes away (stdin closes), so no replica outlives a search.
 */
import { servePhoton } from '../serve/index.js';

interface ReplicaArgs {
  modelFile: string;
  threads: number;
  maxBatch: number;
  maxWaitMs: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ReplicaArgs;
const server = await servePhoton({
  modelFile: args.modelFile,
  host: '127.0.0.1',
  port: 0,
  threads: args.threads,
  batching: { maxBatch: args.maxBatch, maxWaitMs: args.maxWaitMs, maxQueue: 8192 },
  docs: false,
});
process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  void server.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
