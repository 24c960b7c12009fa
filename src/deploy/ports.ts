/** Free loopback ports for replicas: ask the kernel for an ephemeral port, then release it. */
import { createServer } from 'node:net';
import { LeptonError } from '../core/errors.js';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', (err) => reject(new LeptonError('LEPTON_ERR_IO', `no free port on ${host}: ${err.message}`, { cause: err })));
    s.listen(0, host, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
