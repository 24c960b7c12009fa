/**
 * Our own checks on an export: what the upstream schemas accept but a cluster would reject or
 * misbehave on. DNS-1123 names and label syntax, selectors that match pod labels, probes on paths
 * and ports our server has, no `replicas` next to an HPA, every Secret and ConfigMap key referenced
 * known to the export, requests ≤ limits. Returns every problem found, not just the first.
 */
import { DNS1035_LABEL, DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_KEY, LABEL_VALUE } from './names.js';
import { PROBE_PATHS } from './pod.js';
import { parseQuantity } from './quantity.js';
import type { K8sObject, RequiredSecret } from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const labelsOf = (v: unknown): Record<string, string> => obj(v) as Record<string, string>;

const SERVER_PATHS: ReadonlySet<string> = new Set(Object.values(PROBE_PATHS));

/** Does `selector` (matchLabels) pick pods labelled `labels`? An empty selector picks nothing we would want. */
function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => labels[k] === selector[k]);
}

interface Pod {
  owner: string;
  labels: Record<string, string>;
  ports: Map<string | number, number>;
}

export function checkExport(objects: readonly K8sObject[], requiredSecrets: readonly RequiredSecret[]): string[] {
  const problems: string[] = [];
  const at = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;
  const byKind = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
  const names = new Set<string>();

  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (names.has(id)) problems.push(`${at(o)}: defined twice`);
    names.add(id);
    // a Job's name is also its pods' hostname prefix: hold it to a label, like a Service's
    const rule = o.kind === 'Service' || o.kind === 'Job' ? DNS1035_LABEL : o.kind === 'Deployment' || o.kind === 'ConfigMap' ? DNS1123_SUBDOMAIN : DNS1123_LABEL;
    if (!rule.test(o.metadata.name)) problems.push(`${at(o)}: name is not a valid ${o.kind} name`);
    if (o.metadata.namespace !== undefined && !DNS1123_LABEL.test(o.metadata.namespace)) problems.push(`${at(o)}: namespace '${o.metadata.namespace}' is not a DNS-1123 label`);
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
      if (!LABEL_KEY.test(k)) problems.push(`${at(o)}: label key '${k}' is invalid`);
      if (!LABEL_VALUE.test(v)) problems.push(`${at(o)}: label value '${v}' (${k}) is invalid`);
    }
  }

  const pods: Pod[] = [];
  const configKeys = new Map(byKind('ConfigMap').map((c) => [c.metadata.name, new Set(Object.keys(obj(c['data'])))]));
  const secretKeys = new Set(requiredSecrets.map((s) => `${s.name}/${s.key}`));
  const hpaTargets = new Set(byKind('HorizontalPodAutoscaler').map((h) => String(obj(obj(h['spec'])['scaleTargetRef'])['name'])));

  for (const d of [...byKind('Deployment'), ...byKind('Job')]) {
    const spec = obj(d['spec']);
    const tmpl = obj(spec['template']);
    const labels = labelsOf(obj(tmpl['metadata'])['labels']);
    for (const [k, v] of Object.entries(labels)) if (!LABEL_KEY.test(k) || !LABEL_VALUE.test(v)) problems.push(`${at(d)}: pod label ${k}=${v} is invalid`);
    // a Job makes its own selector; a Deployment's must match its pods
    if (d.kind === 'Deployment' && !matches(labelsOf(obj(spec['selector'])['matchLabels']), labels)) problems.push(`${at(d)}: selector does not match its pod labels`);
    if (hpaTargets.has(d.metadata.name) && spec['replicas'] !== undefined) problems.push(`${at(d)}: has replicas while an HPA scales it (they would fight)`);
    const podSpec = obj(tmpl['spec']);
    const volumes = new Set(arr(podSpec['volumes']).map((v) => String(v['name'])));
    const ports = new Map<string | number, number>();
    const containers = [...arr(podSpec['initContainers']), ...arr(podSpec['containers'])];
    for (const c of arr(podSpec['containers'])) {
      for (const p of arr(c['ports'])) {
        ports.set(Number(p['containerPort']), Number(p['containerPort']));
        if (typeof p['name'] === 'string') ports.set(p['name'], Number(p['containerPort']));
      }
    }
    for (const c of containers) {
      const cid = `${at(d)} container ${String(c['name'])}`;
      const sc = obj(c['securityContext']);
      if (sc['runAsNonRoot'] !== true || sc['readOnlyRootFilesystem'] !== true || sc['allowPrivilegeEscalation'] !== false) {
        problems.push(`${cid}: must run as non-root on a read-only root filesystem without privilege escalation`);
      }
      if ((obj(sc['capabilities'])['drop'] as unknown[] | undefined)?.includes('ALL') !== true) problems.push(`${cid}: must drop ALL capabilities`);
      for (const m of arr(c['volumeMounts'])) if (!volumes.has(String(m['name']))) problems.push(`${cid}: mounts unknown volume ${String(m['name'])}`);
      const res = obj(c['resources']);
      const req = obj(res['requests']);
      const lim = obj(res['limits']);
      for (const r of ['cpu', 'memory']) {
        if (req[r] === undefined || lim[r] === undefined) problems.push(`${cid}: needs a ${r} request and limit`);
        else if (parseQuantity(req[r] as string) > parseQuantity(lim[r] as string)) problems.push(`${cid}: ${r} request ${String(req[r])} exceeds limit ${String(lim[r])}`);
      }
      for (const e of arr(c['env'])) {
        const from = obj(e['valueFrom']);
        const sk = obj(from['secretKeyRef']);
        if (sk['name'] !== undefined && !secretKeys.has(`${String(sk['name'])}/${String(sk['key'])}`)) problems.push(`${cid}: references Secret ${String(sk['name'])} key ${String(sk['key'])}, which the export does not list`);
        const ck = obj(from['configMapKeyRef']);
        if (ck['name'] !== undefined && configKeys.get(String(ck['name']))?.has(String(ck['key'])) !== true) problems.push(`${cid}: references ConfigMap ${String(ck['name'])} key ${String(ck['key'])}, which the export does not hold`);
      }
      for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const g = obj(obj(c[kind])['httpGet']);
        if (c[kind] === undefined) continue;
        if (!SERVER_PATHS.has(String(g['path']))) problems.push(`${cid}: ${kind} path ${String(g['path'])} is not a health route of our server`);
        if (!ports.has(g['port'] as string | number)) problems.push(`${cid}: ${kind} port ${String(g['port'])} is not a container port`);
      }
    }
    pods.push({ owner: d.metadata.name, labels, ports });
  }

  const podFor = (sel: Record<string, string>): Pod | undefined => pods.find((p) => matches(sel, p.labels));
  const services = new Map<string, Obj>();
  for (const s of byKind('Service')) {
    const spec = obj(s['spec']);
    services.set(s.metadata.name, spec);
    const pod = podFor(labelsOf(spec['selector']));
    if (!pod) problems.push(`${at(s)}: selector matches no pod of the export`);
    for (const p of arr(spec['ports'])) if (pod && !pod.ports.has(p['targetPort'] as string | number)) problems.push(`${at(s)}: targetPort ${String(p['targetPort'])} is not a port of ${pod.owner}`);
  }
  for (const kind of ['PodDisruptionBudget', 'NetworkPolicy']) {
    for (const o of byKind(kind)) {
      const spec = obj(o['spec']);
      const sel = labelsOf(obj(kind === 'NetworkPolicy' ? spec['podSelector'] : spec['selector'])['matchLabels']);
      if (!podFor(sel)) problems.push(`${at(o)}: selector matches no pod of the export`);
    }
  }
  for (const h of byKind('HorizontalPodAutoscaler')) {
    const target = String(obj(obj(h['spec'])['scaleTargetRef'])['name']);
    if (!byKind('Deployment').some((d) => d.metadata.name === target)) problems.push(`${at(h)}: scales Deployment ${target}, which the export does not hold`);
  }
  for (const r of byKind('HTTPRoute')) {
    let total = 0;
    for (const rule of arr(obj(r['spec'])['rules'])) {
      for (const b of arr(rule['backendRefs'])) {
        total += Number(b['weight'] ?? 1);
        const svc = services.get(String(b['name']));
        if (!svc) problems.push(`${at(r)}: backend ${String(b['name'])} is not a Service of the export`);
        else if (!arr(svc['ports']).some((p) => p['port'] === b['port'])) problems.push(`${at(r)}: backend ${String(b['name'])} has no port ${String(b['port'])}`);
      }
    }
    if (total <= 0) problems.push(`${at(r)}: no backend takes traffic`);
  }
  for (const s of requiredSecrets) if (!DNS1123_SUBDOMAIN.test(s.name)) problems.push(`Secret ${s.name}: not a valid Secret name`);
  return problems;
}
