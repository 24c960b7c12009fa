/**
 * `lep deployment create|list|status|logs|update|remove|export`: a thin layer over the typed
 * control-plane client (`export --k8s` writes Kubernetes objects, src/k8s). The server comes from `--server` or LEPTON_SERVER (default http://127.0.0.1:8080).
 */
import { type Command } from 'commander';
import type { CanaryGate, Deployment, DeploymentCreate, DeploymentUpdate, PolicyName } from '../../client/index.js';
import { LeptonError, invalidArgument } from '../../core/errors.js';
import { DEFAULT_SERVER, serverOf, withApi, type ServerFlag } from '../auth-client.js';
import { out, runCommand } from '../output.js';
import { intInRange, parseNum } from '../options.js';
import { revisionsOf, type SpecLike } from '../../k8s/index.js';
import { addK8sFlags, exportOptions, writeAndReport, type K8sFlags } from '../k8s-export.js';

interface SpecFlags extends ServerFlag {
  name?: string;
  photon?: string;
  replicas?: string;
  policy?: string;
  minReplicas?: string;
  maxReplicas?: string;
  targetOngoing?: string;
  affinityHeader?: string;
  affinityCookie?: string;
  json?: boolean;
  wait?: boolean;
  public?: boolean;
  private?: boolean;
  secret?: string[];
}

/** What create and update share: the fields these flags set (the server checks them, the policy name too). */
type SpecFields = Omit<DeploymentCreate, 'name' | 'photon'> & { photon?: string };

function specBody(f: SpecFlags): SpecFields {
  const b: SpecFields = {};
  if (f.photon !== undefined) b.photon = f.photon;
  if (f.replicas !== undefined) b.replicas = intInRange(f.replicas, '--replicas', 0, 64)!;
  if (f.policy !== undefined) b.policy = f.policy as PolicyName;
  if (f.public === true && f.private === true) throw invalidArgument('give --public or --private, not both');
  if (f.public === true) b.public = true;
  if (f.private === true) b.public = false;
  const a: NonNullable<SpecFields['autoscaling']> = {};
  if (f.minReplicas !== undefined) a.minReplicas = intInRange(f.minReplicas, '--min-replicas', 0, 64)!;
  if (f.maxReplicas !== undefined) a.maxReplicas = intInRange(f.maxReplicas, '--max-replicas', 1, 64)!;
  if (f.targetOngoing !== undefined) a.targetOngoing = parseNum(f.targetOngoing, '--target-ongoing', (n) => n >= 0.1 && n <= 10_000, 'a number from 0.1 to 10000');
  if (Object.keys(a).length > 0) b.autoscaling = a;
  if (f.affinityHeader !== undefined || f.affinityCookie !== undefined) {
    b.affinity = { ...(f.affinityHeader ? { header: f.affinityHeader } : {}), ...(f.affinityCookie ? { cookie: f.affinityCookie } : {}) };
  }
  return b;
}

function printView(v: Deployment, server: string): void {
  const a = v.spec.autoscaling;
  out.line(`${v.spec.name}: ${v.status.phase}, ${v.status.readyReplicas}/${v.status.desiredReplicas} ready, photon ${v.spec.photon}, policy ${v.spec.policy}`);
  out.line(`  access: ${v.spec.public === true ? 'public (no token needed)' : `private (token with infer:${v.spec.name} or admin)`}`);
  if (v.spec.secrets?.length) out.line(`  secrets: ${v.spec.secrets.join(', ')} (as environment variables; values never shown)`);
  if (a) out.line(`  autoscaling: ${a.minReplicas}..${a.maxReplicas} replicas, target ${a.targetOngoing} ongoing/replica`);
  out.line(`  endpoint: ${server}${v.endpoint}`);
  if (v.status.message) out.line(`  message: ${v.status.message}`);
  for (const r of v.revisions ?? []) {
    const m = r.lastMinute;
    const stats = m && m.requests > 0 ? `, last minute ${m.requests} req, ${(100 * m.errorRate).toFixed(1)}% 5xx, p99 ${m.p99Ms.toFixed(1)} ms` : '';
    out.line(`  revision ${r.revision.padEnd(7)} ${r.photon.padEnd(14)} ${String(r.weight).padStart(3)}%  ${r.readyReplicas}/${r.desiredReplicas} ready${stats}`);
  }
  for (const r of v.status.replicas) {
    out.line(`  ${r.id.padEnd(20)} ${r.state.padEnd(14)} ${r.photon.padEnd(14)} pid ${String(r.pid ?? '-').padEnd(7)} port ${String(r.port ?? '-').padEnd(6)} restarts ${r.restarts}`);
  }
}

const addServer = (c: Command): Command => c.option('--server <url>', `Lepton server (env LEPTON_SERVER, default ${DEFAULT_SERVER})`);
const addSpec = (c: Command): Command =>
  c
    .option('--photon <ref>', 'photon NAME or NAME@VERSION')
    .option('--replicas <n>', 'replica count')
    .option('--policy <p>', 'round-robin | least-request | affinity')
    .option('--min-replicas <n>', 'autoscaling: fewest replicas (0 allows scale to zero)')
    .option('--max-replicas <n>', 'autoscaling: most replicas')
    .option('--target-ongoing <n>', 'autoscaling: average ongoing requests per replica to aim for')
    .option('--affinity-header <h>', 'affinity key header (default x-session-id)')
    .option('--affinity-cookie <c>', 'affinity key cookie')
    .option('--public', 'anyone may call it through the gateway, no token (default: private)')
    .option('--private', 'require an infer:<name> or admin token (the default)');

interface CanaryFlags {
  canary?: string;
  weight?: string;
  canaryReplicas?: string;
  maxErrorRate?: string;
  maxP99Ms?: string;
  gateWindowMs?: string;
}

/** `--canary P@V [--weight N] [gate flags]` starts a canary; `--weight N` alone reweights the running one. */
function canaryBody(f: CanaryFlags): Pick<DeploymentUpdate, 'canary' | 'canaryWeight'> {
  const weight = f.weight === undefined ? undefined : intInRange(f.weight, '--weight', 0, 100)!;
  const gateFlags = f.maxErrorRate !== undefined || f.maxP99Ms !== undefined || f.gateWindowMs !== undefined;
  if (f.canary === undefined) {
    if (f.canaryReplicas !== undefined || gateFlags) throw invalidArgument('--canary-replicas and the gate flags go with --canary P@V');
    return weight === undefined ? {} : { canaryWeight: weight };
  }
  const gate: Partial<CanaryGate> = {};
  if (f.maxErrorRate !== undefined) gate.maxErrorRate = parseNum(f.maxErrorRate, '--max-error-rate', (n) => n >= 0 && n <= 1, 'a number from 0 to 1');
  if (f.maxP99Ms !== undefined) gate.maxP99Ms = parseNum(f.maxP99Ms, '--max-p99-ms', (n) => n >= 1 && n <= 600_000, 'milliseconds from 1 to 600000');
  if (f.gateWindowMs !== undefined) gate.windowMs = intInRange(f.gateWindowMs, '--gate-window-ms', 1000, 3_600_000)!;
  if (gateFlags && gate.maxErrorRate === undefined && gate.maxP99Ms === undefined) throw invalidArgument('--gate-window-ms needs --max-error-rate or --max-p99-ms');
  return {
    canary: {
      photon: f.canary,
      ...(weight === undefined ? {} : { weight }),
      ...(f.canaryReplicas === undefined ? {} : { replicas: intInRange(f.canaryReplicas, '--canary-replicas', 1, 64)! }),
      ...(gateFlags ? { gate } : {}),
    },
  };
}

async function waitNoCanary(f: ServerFlag, name: string): Promise<Deployment> {
  const until = Date.now() + 300_000;
  for (;;) {
    const v = await withApi(f, (api) => api.deployments.get(name));
    if (v.revisions === undefined && v.spec.canary === undefined && v.status.phase === 'Running') return v;
    if (Date.now() > until) throw new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `deployment '${name}' still has a canary after 5 minutes`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function waitSettled(f: ServerFlag, name: string): Promise<Deployment> {
  const until = Date.now() + 300_000;
  for (;;) {
    const v = await withApi(f, (api) => api.deployments.get(name));
    if (v.status.phase === 'Running' || v.status.phase === 'ScaledToZero' || v.status.message) return v;
    if (Date.now() > until) throw new LeptonError('LEPTON_ERR_DEADLINE_EXCEEDED', `deployment '${name}' did not settle in 5 minutes`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function register(program: Command): void {
  const dep = program.command('deployment').alias('deployments').description('create, inspect, update and remove deployments (talks to the REST API)');

  addSpec(addServer(dep.command('create').description('create a deployment of a photon')))
    .requiredOption('--name <name>', 'deployment name')
    .option('--wait', 'wait until the replicas are ready')
    .option('--secret <NAME>', 'pass secret NAME (lep secret set) to replicas as env var NAME; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action((f: SpecFlags) =>
      runCommand(async () => {
        if (f.photon === undefined) throw invalidArgument('--photon NAME[@VERSION] is required');
        const secrets = f.secret ?? [];
        const photon = f.photon;
        const v = await withApi(f, (api) => api.deployments.create({ name: f.name!, ...specBody(f), photon, ...(secrets.length > 0 ? { secrets } : {}) }));
        printView(f.wait ? await waitSettled(f, v.spec.name) : v, serverOf(f));
      }),
    );

  addServer(dep.command('list').description('list deployments'))
    .option('--json', 'print JSON')
    .action((f: SpecFlags) =>
      runCommand(async () => {
        const deployments = await withApi(f, (api) => api.deployments.list());
        if (f.json) return out.json(deployments);
        if (deployments.length === 0) return out.line('no deployments');
        out.line(`${'NAME'.padEnd(16)} ${'PHASE'.padEnd(13)} ${'READY'.padEnd(6)} ${'PHOTON'.padEnd(16)} ${'POLICY'.padEnd(14)} ${'ACCESS'.padEnd(8)} ENDPOINT`);
        for (const d of deployments) {
          out.line(
            `${d.spec.name.padEnd(16)} ${d.status.phase.padEnd(13)} ${`${d.status.readyReplicas}/${d.status.desiredReplicas}`.padEnd(6)} ${d.spec.photon.padEnd(16)} ${d.spec.policy.padEnd(14)} ${(d.spec.public === true ? 'public' : 'private').padEnd(8)} ${serverOf(f)}${d.endpoint}`,
          );
        }
      }),
    );

  addServer(dep.command('status').description('show a deployment and its replicas').argument('<name>'))
    .option('--json', 'print JSON')
    .action((name: string, f: SpecFlags) =>
      runCommand(async () => {
        const v = await withApi(f, (api) => api.deployments.get(name));
        if (f.json) out.json(v);
        else printView(v, serverOf(f));
      }),
    );

  addServer(dep.command('logs').description("print a deployment's replica logs").argument('<name>'))
    .option('--replica <id>', 'one replica (default: all)')
    .option('--follow', 'keep printing new lines')
    .action((name: string, f: ServerFlag & { replica?: string; follow?: boolean }) =>
      runCommand(async () => {
        const offsets = new Map<string, number>();
        const many = f.replica === undefined;
        const once = async (): Promise<void> => {
          const ids = many ? (await withApi(f, (api) => api.deployments.replicas(name))).map((r) => r.id) : [f.replica!];
          for (const id of ids) {
            const off = offsets.get(id);
            const logs = await withApi(f, (api) => api.deployments.logs(name, { replica: id, ...(off === undefined ? {} : { offset: off }) }));
            for (const l of logs) {
              offsets.set(l.replica, l.next);
              for (const line of l.text.split('\n')) if (line) out.line(many ? `[${l.replica}] ${line}` : line);
            }
          }
        };
        await once();
        while (f.follow) {
          await new Promise((r) => setTimeout(r, 1000));
          await once();
        }
      }),
    );

  addSpec(addServer(dep.command('update').description('change photon or secrets (rolling update), replicas, policy, autoscaling, or the canary').argument('<name>')))
    .option('--canary <ref>', 'start a canary revision of photon NAME@VERSION beside the current one')
    .option('--weight <pct>', "the canary's share of requests, whole percent (default 10)")
    .option('--canary-replicas <n>', 'replicas of the canary (default 1)')
    .option('--max-error-rate <r>', 'gate: roll the canary back when more than this share (0..1) of its answers are 5xx')
    .option('--max-p99-ms <ms>', 'gate: roll the canary back when its p99 at the gateway exceeds this')
    .option('--gate-window-ms <ms>', 'gate: the window both are measured over (default 30000)')
    .option('--secret <NAME>', 'the secrets replicas get (replaces the list; re-reads values, so it also rolls out a changed value); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--clear-secrets', 'pass no secrets to replicas any more')
    .option('--wait', 'wait until the update has finished')
    .action((name: string, f: SpecFlags & CanaryFlags & { clearSecrets?: boolean }) =>
      runCommand(async () => {
        const body: DeploymentUpdate = { ...specBody(f), ...canaryBody(f) };
        const secrets = f.secret ?? [];
        if (secrets.length > 0 && f.clearSecrets) throw invalidArgument('give --secret or --clear-secrets, not both');
        if (secrets.length > 0) body.secrets = secrets;
        if (f.clearSecrets) body.secrets = [];
        if (Object.keys(body).length === 0) throw invalidArgument('nothing to update: give --photon, --replicas, --policy, --public/--private, --secret/--clear-secrets, --canary/--weight or autoscaling flags');
        const v = await withApi(f, (api) => api.deployments.update(name, body));
        printView(f.wait ? await waitSettled(f, name) : v, serverOf(f));
      }),
    );

  addServer(dep.command('promote').description('make the canary the only revision (a rolling update with no failed requests)').argument('<name>'))
    .option('--wait', 'wait until the promotion has finished')
    .action((name: string, f: ServerFlag & { wait?: boolean }) =>
      runCommand(async () => {
        const v = await withApi(f, (api) => api.deployments.update(name, { promote: true }));
        printView(f.wait ? await waitNoCanary(f, name) : v, serverOf(f));
      }),
    );

  addServer(dep.command('rollback').description('remove the canary: its share goes back to the current revision, its replicas drain').argument('<name>'))
    .option('--wait', 'wait until the canary has stopped')
    .action((name: string, f: ServerFlag & { wait?: boolean }) =>
      runCommand(async () => {
        const v = await withApi(f, (api) => api.deployments.update(name, { canary: null }));
        printView(f.wait ? await waitNoCanary(f, name) : v, serverOf(f));
      }),
    );

  addK8sFlags(addServer(dep.command('export').description('write a deployment as Kubernetes objects (checked before writing; see docs/scale-out.md)').argument('<name>')))
    .option('--k8s', 'Kubernetes objects (the only format)')
    .option('--out <dir>', 'directory to write <name>.yaml (and <name>.secrets.txt) into', '.')
    .action((name: string, f: K8sFlags & ServerFlag & { k8s?: boolean; out: string }) =>
      runCommand(async () => {
        if (f.k8s !== true) throw invalidArgument('give --k8s (the only export format)');
        const [view, photons] = await withApi(f, (api) => Promise.all([api.deployments.get(name), api.photons.list()]));
        writeAndReport([revisionsOf(view.spec as SpecLike, photons)], exportOptions(f, serverOf(f)), f.out);
      }),
    );

  addServer(dep.command('remove').description('remove a deployment (its replicas drain and stop)').argument('<name>')).action((name: string, f: ServerFlag) =>
    runCommand(async () => {
      await withApi(f, (api) => api.deployments.remove(name));
      out.line(`removed ${name}`);
    }),
  );
}
