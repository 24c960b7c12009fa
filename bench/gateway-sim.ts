/**
 * Simulates the gateway bench's slow-replica scenario (issue 20): 2 replicas, replica B slowed by
 * +20 ms on half its requests, Poisson arrivals at 1500 req/s, with the real policy classes on a
 * virtual clock (src/gateway/policy-sim.ts). It explains routing outcomes without wrk or timing
 * noise: the share of traffic B gets and the p99 each policy gives. Not a benchmark of our code's speed.
 * Usage: npx tsx bench/gateway-sim.ts [--seconds 60] [--rate 1500] [--seeds 3] [--service-ms 0.3,0.45,0.55]
 */
import { Rng } from '../src/core/rng.js';
import { LeastRequestPolicy } from '../src/gateway/policy-least-request.js';
import { simulate, type SimOptions } from '../src/gateway/policy-sim.js';
import { RoundRobinPolicy } from '../src/gateway/policy-round-robin.js';
import { numFlag } from './lib/wrk.js';

const i = process.argv.indexOf('--service-ms');
/** Mean service time of a replica, ms: the fast replica alone runs at rate × this utilisation. */
const SERVICES = (i >= 0 ? process.argv[i + 1]! : '0.3,0.45,0.55').split(',').map(Number);

const seconds = numFlag('seconds', 60);
const rate = numFlag('rate', 1500);
const seeds = numFlag('seeds', 3);

const opts = (seed: number, SERVICE: number): SimOptions => ({
  ratePerSec: rate,
  durationMs: seconds * 1000,
  warmupMs: 2000,
  overheadMs: 0.3,
  seed,
  replicas: [{ serviceMs: SERVICE }, { serviceMs: SERVICE, extraMs: (u) => (u < 0.5 ? 20 : 0) }],
});

console.log(`slow-replica simulation: ${rate} req/s Poisson, ${seconds} s, service exp + 0.3 ms overhead, B +20 ms on half`);
console.log('| service ms | fast replica alone ρ | policy | seed | B share | p50 ms | p99 ms | p99 vs RR |');
console.log('|---|---|---|---|---|---|---|---|');
for (const svc of SERVICES) {
  for (let s = 1; s <= seeds; s++) {
    let rr = NaN;
    for (const name of ['round-robin', 'least-request'] as const) {
      const clock = { t: 0 };
      const p = name === 'round-robin' ? new RoundRobinPolicy() : new LeastRequestPolicy(new Rng(s * 7), () => clock.t);
      const r = simulate(p, clock, opts(s, svc));
      if (name === 'round-robin') rr = r.p99;
      const rho = ((rate * svc) / 1000).toFixed(2);
      console.log(`| ${svc} | ${rho} | ${name} | ${s} | ${(r.share[1]! * 100).toFixed(2)}% | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.p99 / rr).toFixed(2)} |`);
    }
  }
}
