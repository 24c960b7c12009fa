/** Test helpers for the tcp transport (loopback only), shared by unit and end-to-end tests. */
import { createServer } from 'node:net';

/** A port free on 127.0.0.1 right now (for a test master). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
