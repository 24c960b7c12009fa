/**
 * The flags `lep deployment export --k8s`, `lep up --export-k8s` and `lep job export --k8s` share,
 * turned into export options, and the writing of an export with one line per file written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Command } from 'commander';
import { LeptonError, invalidArgument } from '../core/errors.js';
import { Store } from '../deploy/store.js';
import {
  checkExport, EXPORT_DEFAULTS, exportTrainingJob, revisionsOf, secretsText, toYaml, writeExport, type DeploymentInput, type ExportOptions, type JobInput, type SpecLike,
} from '../k8s/index.js';
import { DNS1123_LABEL } from '../k8s/names.js';
import { out } from './output.js';

/** The image the repo's Containerfile builds, as docs/scale-out.md tags it. */
export const DEFAULT_IMAGE = 'lepton-ts/runtime:0.1.0';

export interface K8sFlags {
  image?: string;
  namespace?: string;
  out?: string;
  embed?: boolean;
  prometheusOperator?: boolean;
  controlPlaneUrl?: string;
  gateway?: string;
  gatewayNamespace?: string;
  fetchTokenSecret?: string;
}

export function addK8sFlags(c: Command): Command {
  return c
    .option('--image <img>', `runtime image built from the repo's Containerfile (default ${DEFAULT_IMAGE})`)
    .option('--namespace <ns>', 'namespace of every object (default default)')
    .option('--embed', "the photon is baked into --image (no init container, no fetch token)")
    .option('--prometheus-operator', 'add a ServiceMonitor beside the scrape annotations')
    .option('--control-plane-url <url>', 'the control plane as pods reach it, for the photon fetch (default: the server)')
    .option('--gateway <name>', 'Gateway the HTTPRoute attaches to (default lepton-gateway)')
    .option('--gateway-namespace <ns>', "namespace of the gateway's pods and Gateway (default: --namespace)")
    .option('--fetch-token-secret <name>', `Secret (key token) with a read-scoped token (default ${EXPORT_DEFAULTS.fetchTokenSecret})`);
}

function label(v: string, flag: string): string {
  if (!DNS1123_LABEL.test(v)) throw invalidArgument(`${flag} must be a DNS-1123 label (lowercase letters, digits, dashes), not ${JSON.stringify(v)}`);
  return v;
}

export function exportOptions(f: K8sFlags, defaultControlPlane: string): ExportOptions {
  const namespace = label(f.namespace ?? EXPORT_DEFAULTS.namespace, '--namespace');
  const controlPlaneUrl = f.controlPlaneUrl ?? defaultControlPlane;
  if (!/^https?:\/\/[^\s/]+/.test(controlPlaneUrl)) throw invalidArgument(`--control-plane-url must be an http(s) URL, not ${JSON.stringify(controlPlaneUrl)}`);
  return {
    ...EXPORT_DEFAULTS,
    image: f.image ?? DEFAULT_IMAGE,
    namespace,
    embed: f.embed === true,
    prometheusOperator: f.prometheusOperator === true,
    controlPlaneUrl,
    fetchTokenSecret: label(f.fetchTokenSecret ?? EXPORT_DEFAULTS.fetchTokenSecret, '--fetch-token-secret'),
    gateway: {
      ...EXPORT_DEFAULTS.gateway,
      name: label(f.gateway ?? EXPORT_DEFAULTS.gateway.name, '--gateway'),
      namespace: label(f.gatewayNamespace ?? namespace, '--gateway-namespace'),
    },
  };
}

export function writeAndReport(inputs: readonly DeploymentInput[], o: ExportOptions, dir: string): void {
  for (const file of writeExport(inputs, o, dir)) out.line(`wrote ${file}`);
  if (!o.embed) out.info(`pods fetch photons from ${o.controlPlaneUrl} with the token in Secret ${o.fetchTokenSecret}: lep token create --name k8s-fetch --scope read`);
}

/** `lep up --export-k8s DIR`: every deployment in the store at `home`, with default options; starts nothing. */
export function exportStored(home: string, dir: string, controlPlane: string): void {
  const store = new Store(home);
  try {
    const photons = store.listPhotons();
    const inputs = store.listDeployments().map((d) => revisionsOf(d.spec as SpecLike, photons));
    if (inputs.length === 0) return out.line(`no deployments in ${home}; nothing to export`);
    writeAndReport(inputs, exportOptions({}, controlPlane), dir);
  } finally {
    store.close();
  }
}

/** `lep job export ID --k8s --nnodes N`: check and write `<train-id>.yaml` and its secret list under `dir`. */
export function writeJobExport(job: JobInput, nnodes: number, f: K8sFlags & { distSecret?: string }, dir: string): void {
  const namespace = label(f.namespace ?? EXPORT_DEFAULTS.namespace, '--namespace');
  const r = exportTrainingJob(job, nnodes, { image: f.image ?? DEFAULT_IMAGE, namespace, distSecret: label(f.distSecret ?? 'lepton-dist-secret', '--dist-secret') });
  const problems = checkExport(r.objects, r.requiredSecrets);
  if (problems.length > 0) throw new LeptonError('LEPTON_ERR_INTERNAL', `the export of job ${job.id} fails its checks:\n  ${problems.join('\n  ')}`);
  mkdirSync(dir, { recursive: true });
  const yaml = join(dir, `${r.deployment}.yaml`);
  writeFileSync(yaml, `# lep job export ${job.id} --k8s --nnodes ${nnodes} (namespace ${namespace})\n${toYaml(r.objects)}`);
  const txt = join(dir, `${r.deployment}.secrets.txt`);
  writeFileSync(txt, secretsText(r, namespace));
  out.line(`wrote ${yaml}`);
  out.line(`wrote ${txt}`);
}
