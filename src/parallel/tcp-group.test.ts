// The tcp transport against the shared process-group conformance suite (ranks share this process,
// each with its own sockets on loopback).
import { randomBytes } from 'node:crypto';
import { LeptonError } from '../core/errors.js';
import { conformanceCase, processGroupConformance, type Outcome } from './process-group.conformance.js';
import { type TcpGroup, connectTcpGroup } from './tcp-group.js';
import { freePort } from './testing.js';

processGroupConformance('tcp', async (worldSize, name) => {
  const masterPort = await freePort();
  const secret = randomBytes(24).toString('hex');
  const c = conformanceCase(name);
  return Promise.all(
    Array.from({ length: worldSize }, async (_, rank): Promise<Outcome> => {
      let pg: TcpGroup | undefined;
      try {
        // 4 KiB frames: the longer cases cross many frame boundaries.
        pg = await connectTcpGroup({ rank, worldSize, masterAddr: '127.0.0.1', masterPort, secret, signature: 'conformance', chunkBytes: 4096, timeoutMs: 20_000, collectiveTimeoutMs: 20_000 });
        return { ok: true, value: await c.run(pg) };
      } catch (err) {
        return { ok: false, code: err instanceof LeptonError ? err.code : 'UNKNOWN', message: (err as Error).message };
      } finally {
        await pg?.close();
      }
    }),
  );
});
