// Our gateway as a standalone process for bench/gateway.ts, so it runs beside nginx and HAProxy on
// equal terms (one process): deployments `round-robin`, `least-request` and `affinity` over the
// same upstreams. It runs the built gateway (dist/, what `lep up` runs), in plain node: through
// tsx the source carries esbuild's helpers (a `__name` call per arrow-function field, per request),
// which the shipped build does not. Needs `npm run build` first.
// Usage: node bench/gateway-peers/lepton-gateway.mjs --port P --upstreams URL,URL
import { createServer } from 'node:http';
import { Registry } from 'prom-client';
import { Gateway } from '../../dist/gateway/gateway.js';
import { POLICY_NAMES } from '../../dist/gateway/types.js';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) throw new Error(`--${name} is required`);
  return args[i + 1];
};
const upstreams = opt('upstreams').split(',');
const gw = new Gateway({ registry: new Registry() });
for (const policy of POLICY_NAMES) {
  gw.upsertDeployment(policy, { policy });
  upstreams.forEach((origin, i) => gw.addReplica(policy, { id: `r${i}`, origin }));
}
const server = createServer((req, res) => {
  if (gw.matches(req.url)) gw.handle(req, res);
  else res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;
server.listen(Number(opt('port')), '127.0.0.1', () => console.log('lepton gateway ready'));
process.on('SIGTERM', () => process.exit(0));
