/**
 * From what the control plane holds to files on disk: `revisionsOf` turns a deployment spec (and
 * its canary, when it has one) plus the photon list into export input; `writeExport` runs our checks
 * and writes `<deployment>.yaml` and `<deployment>.secrets.txt` (the Secrets to create, never values).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError } from '../core/errors.js';
import { checkExport } from './checks.js';
import { exportDeployment } from './export.js';
import type { DeploymentInput, ExportOptions, ExportResult, PhotonInfo } from './types.js';
import { toYaml } from './yaml.js';

/** The parts of a deployment spec the export reads; `canary` is the second revision when present. */
export interface SpecLike {
  name: string;
  photon: string;
  replicas: number;
  policy: DeploymentInput['spec']['policy'];
  autoscaling?: DeploymentInput['spec']['autoscaling'];
  secrets?: string[];
  canary?: { photon: string; weight: number; replicas?: number };
}

function photonOf(ref: string, photons: readonly PhotonInfo[], deployment: string): PhotonInfo {
  const at = ref.lastIndexOf('@');
  const [name, version] = at < 0 ? [ref, undefined] : [ref.slice(0, at), ref.slice(at + 1)];
  const p = photons.filter((x) => x.name === name && (version === undefined || x.version === version)).at(-1);
  if (!p) throw new LeptonError('LEPTON_ERR_PHOTON_NOT_FOUND', `deployment '${deployment}' runs photon ${ref}, which the control plane does not list`);
  return p;
}

export function revisionsOf(spec: SpecLike, photons: readonly PhotonInfo[]): DeploymentInput {
  const stable = photonOf(spec.photon, photons, spec.name);
  const canaryWeight = spec.canary?.weight ?? 0;
  return {
    spec: { name: spec.name, replicas: spec.replicas, policy: spec.policy, autoscaling: spec.autoscaling, ...(spec.secrets ? { secrets: spec.secrets } : {}) },
    revisions: [
      { role: 'stable', photon: stable, weight: 100 - canaryWeight },
      ...(spec.canary ? [{ role: 'canary' as const, photon: photonOf(spec.canary.photon, photons, spec.name), weight: canaryWeight, replicas: spec.canary.replicas ?? 1 }] : []),
    ],
  };
}

/** Export and check one deployment; a problem our checks find is refused, not written. */
export function exportChecked(input: DeploymentInput, o: ExportOptions): ExportResult {
  const result = exportDeployment(input, o);
  const problems = checkExport(result.objects, result.requiredSecrets);
  if (problems.length > 0) {
    throw new LeptonError('LEPTON_ERR_INTERNAL', `the export of '${input.spec.name}' fails its checks:\n  ${problems.join('\n  ')}`);
  }
  return result;
}

export function secretsText(r: ExportResult, namespace: string): string {
  const lines = [`# Secrets the export of '${r.deployment}' references (names only; create them before applying):`];
  for (const s of r.requiredSecrets) {
    lines.push(`# ${s.why}`, `kubectl -n ${namespace} create secret generic ${s.name} --from-literal=${s.key}=…`);
  }
  return `${lines.join('\n')}\n`;
}

/** Write each deployment's objects and secret list under `dir`; returns the files written. */
export function writeExport(inputs: readonly DeploymentInput[], o: ExportOptions, dir: string): string[] {
  const results = inputs.map((i) => exportChecked(i, o));
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const r of results) {
    const yaml = join(dir, `${r.deployment}.yaml`);
    writeFileSync(yaml, `# lep deployment export ${r.deployment} --k8s (namespace ${o.namespace})\n${toYaml(r.objects)}`);
    files.push(yaml);
    if (r.requiredSecrets.length > 0) {
      const txt = join(dir, `${r.deployment}.secrets.txt`);
      writeFileSync(txt, secretsText(r, o.namespace));
      files.push(txt);
    }
  }
  return files;
}
