/**
 * The closed-loop load generator: autocannon (the one the benchmarks use), with a fixed number of
 * connections that each send the next request when the previous one is answered. With several
 * replicas the connections are split across them (client-side round-robin, no proxy hop); req/s
 * add up, p50 is the request-weighted mean and p99 the worst replica's (conservative). An optional
 * rate cap offers exactly the target load, so p99 is measured at the traffic the user asked about.
 * autocannon enforces that cap per second (each connection sends its quota when the second starts),
 * so the load is bursty and the measured p99 errs high: a setting that passes here has headroom.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  connections: number;
  durationSec: number;
  /** POST /predict body. */
  body: string;
  /**
   * Cap on the offered load, requests/s over all connections (autocannon's overallRate): the
   * connections still wait for each answer, but never exceed the rate. Default: uncapped (saturate).
   */
  rate?: number;
  signal?: AbortSignal;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

function one(url: string, connections: number, o: LoadOptions, rate: number | undefined): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url: `${url}/predict`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: o.body,
        connections,
        duration: o.durationSec,
        timeout: 10,
        // With a rate, autocannon "corrects" for coordinated omission using 1/rate seconds as an
        // interval in ms (1 ms), adding L-1 synthetic samples for each L ms answer: p50 halves and
        // the tail inflates. At a rate below saturation nothing is omitted, so record what happened.
        ...(rate !== undefined && { overallRate: Math.max(1, Math.round(rate)), ignoreCoordinatedOmission: true }),
      },
      (err, res) => {
        o.signal?.removeEventListener('abort', abort);
        if (err) reject(err as Error);
        else resolve(res);
      },
    );
    const abort = () => inst.stop();
    o.signal?.addEventListener('abort', abort, { once: true });
  });
}

export async function runLoad(urls: readonly string[], o: LoadOptions): Promise<LoadResult> {
  const per = urls.map((_, i) => Math.floor(o.connections / urls.length) + (i < o.connections % urls.length ? 1 : 0)).map((c) => Math.max(1, c));
  const total = per.reduce((a, b) => a + b, 0);
  const results = await Promise.all(urls.map((u, i) => one(u, per[i]!, o, o.rate === undefined ? undefined : (o.rate * per[i]!) / total)));
  let requests = 0;
  let errors = 0;
  let rps = 0;
  let p50 = 0;
  let p99 = 0;
  for (const r of results) {
    const ok = r['2xx'];
    requests += ok;
    errors += r.non2xx + r.errors;
    rps += ok / Math.max(1e-3, r.duration);
    p50 += r.latency.p50 * ok;
    p99 = Math.max(p99, r.latency.p99);
  }
  return { rps, p50Ms: requests > 0 ? p50 / requests : 0, p99Ms: p99, requests, errors };
}
