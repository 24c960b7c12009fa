/**
 * A deployment → its Kubernetes objects. Per revision (one photon at its weight): ConfigMap
 * (replica config + the deployment as the control plane holds it), Deployment, Service,
 * PodDisruptionBudget, and an autoscaling/v2 HPA when autoscaling is set. Per deployment: the
 * HTTPRoute carrying the revision weights, the NetworkPolicy and, on request, a ServiceMonitor.
 * Every name goes through names.ts; checks.ts verifies the result before anyone writes it.
 */
import { invalidArgument } from '../core/errors.js';
import { k8sName, labelValue } from './names.js';
import { CONFIG_KEY, EMBED_HOME, POD_HOME, REPLICA_PORT, revisionDeployment, secretRefs } from './pod.js';
import { quantity } from './quantity.js';
import type { DeploymentInput, ExportOptions, ExportResult, K8sObject, RevisionInput } from './types.js';

/**
 * The custom metric the HPA scales on: in-flight requests per pod. The replica exports no gauge of
 * its own; the Prometheus-adapter rule in docs/scale-out.md derives it by Little's law from the
 * request-duration histogram every replica exports (`rate(lepton_request_duration_seconds_sum)` =
 * the average number of requests in flight, queue included), which is the signal our own
 * autoscaler reads at the gateway (ongoing requests per replica).
 */
export const INFLIGHT_METRIC = 'lepton_inflight_requests';

/** The Kubernetes Secret that holds platform secret `s` (key `value`). */
export const secretObjectName = (s: string): string => k8sName(['lepton-secret', s]);

function checkInput(input: DeploymentInput): void {
  const { revisions } = input;
  if (revisions.length < 1 || revisions.length > 2) throw invalidArgument(`a deployment has one or two revisions, not ${revisions.length}`);
  const total = revisions.reduce((s, r) => s + r.weight, 0);
  if (total !== 100 || revisions.some((r) => !Number.isInteger(r.weight) || r.weight < 0)) {
    throw invalidArgument(`revision weights must be whole percentages summing to 100 (got ${revisions.map((r) => r.weight).join(' + ')})`);
  }
}

export function exportDeployment(input: DeploymentInput, o: ExportOptions): ExportResult {
  checkInput(input);
  const spec = input.spec;
  const base = k8sName([spec.name]);
  const common = {
    'app.kubernetes.io/name': 'lepton-replica',
    'app.kubernetes.io/part-of': 'lepton',
    'app.kubernetes.io/managed-by': 'lep',
    'lepton.dev/deployment': base,
  };
  const meta = (name: string, labels: Record<string, string> = common): K8sObject['metadata'] => ({ name, namespace: o.namespace, labels });

  const secrets = secretRefs(spec.secrets, secretObjectName).map((s, i) => ({ ...s, env: spec.secrets![i]! }));
  const seen = new Map<string, string>();
  for (const s of secrets) {
    const other = seen.get(s.name);
    if (other !== undefined) throw invalidArgument(`secrets ${other} and ${s.env} both become Kubernetes Secret ${s.name}; rename one`);
    seen.set(s.name, s.env);
  }
  const requiredSecrets = [
    ...secrets.map(({ name, key, why }) => ({ name, key, why })),
    ...(o.embed ? [] : [{ name: o.fetchTokenSecret, key: 'token', why: 'a read-scoped control-plane token for the photon fetch (lep token create --scope read)' }]),
  ];

  const objects: K8sObject[] = [];
  const backends: Array<{ service: string; weight: number }> = [];
  for (const rev of input.revisions) {
    const stem = k8sName([spec.name, rev.photon.name, rev.photon.version]);
    const selector = { 'lepton.dev/deployment': base, 'lepton.dev/revision': stem };
    // the track (stable/canary) is on the objects, not the pods: a promotion relabels no pod
    const podLabels = { ...common, ...selector, 'lepton.dev/photon': labelValue(rev.photon.name), 'lepton.dev/photon-version': labelValue(rev.photon.version) };
    const labels = { ...podLabels, 'lepton.dev/track': rev.role };
    const configMap = `${stem}-config`;
    // as under lep up, only the stable revision autoscales; a canary keeps its own count
    const hpa = spec.autoscaling !== undefined && rev.role === 'stable';
    objects.push(configMapOf(input, rev, meta(configMap, labels), o));
    objects.push(revisionDeployment(input, rev, { deployment: stem, configMap, labels, podLabels, selector }, secrets, hpa, o));
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(stem, labels),
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    });
    // one pod may go at a time (node drains proceed), never more: the rest keep serving
    objects.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(stem, labels), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } });
    if (hpa && spec.autoscaling) objects.push(hpaOf(stem, spec.autoscaling, meta(stem, labels)));
    backends.push({ service: stem, weight: rev.weight });
  }
  objects.push(httpRoute(spec.name, meta(base), backends, o));
  objects.push(networkPolicy(meta(base), base, o));
  if (o.prometheusOperator) {
    objects.push({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: meta(base),
      spec: { selector: { matchLabels: { 'lepton.dev/deployment': base } }, endpoints: [{ port: 'http', path: '/metrics', interval: '15s' }] },
    });
  }
  return { deployment: spec.name, objects, requiredSecrets };
}

function configMapOf(input: DeploymentInput, rev: RevisionInput, metadata: K8sObject['metadata'], o: ExportOptions): K8sObject {
  const ref = `${rev.photon.name}@${rev.photon.version}`;
  const replicaConfig = { ref, home: o.embed ? EMBED_HOME : POD_HOME, host: '0.0.0.0', port: REPLICA_PORT, docs: false };
  const s = input.spec;
  const manifest = {
    name: s.name,
    policy: s.policy,
    replicas: s.replicas,
    ...(s.autoscaling ? { autoscaling: s.autoscaling } : {}),
    secrets: s.secrets ?? [],
    revisions: input.revisions.map((r) => ({ track: r.role, photon: `${r.photon.name}@${r.photon.version}`, sha256: r.photon.sha256, weight: r.weight })),
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata,
    data: { [CONFIG_KEY]: JSON.stringify(replicaConfig), 'deployment.json': JSON.stringify(manifest, null, 2) },
  };
}

function hpaOf(stem: string, a: NonNullable<DeploymentInput['spec']['autoscaling']>, metadata: K8sObject['metadata']): K8sObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: stem },
      // an HPA cannot go to zero (that stays a control-plane feature, or KEDA's)
      minReplicas: Math.max(1, a.minReplicas),
      maxReplicas: a.maxReplicas,
      metrics: [
        { type: 'Pods', pods: { metric: { name: INFLIGHT_METRIC }, target: { type: 'AverageValue', averageValue: quantity(a.targetOngoing) } } },
        // the fallback while the adapter has no sample (new pods, adapter down): CPU
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
      ],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: Math.round(a.upscaleDelayMs / 1000), policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: Math.round(a.downscaleDelayMs / 1000), policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
      },
    },
  };
}

function httpRoute(deployment: string, metadata: K8sObject['metadata'], backends: Array<{ service: string; weight: number }>, o: ExportOptions): K8sObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata,
    spec: {
      parentRefs: [{ name: o.gateway.name, namespace: o.gateway.namespace }],
      rules: [
        {
          // the same URL as under lep up: /deployments/<name>/… reaches the replica's /…
          matches: [{ path: { type: 'PathPrefix', value: `/deployments/${deployment}` } }],
          filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
          backendRefs: backends.map((b) => ({ name: b.service, port: 80, weight: b.weight })),
        },
      ],
    },
  };
}

function networkPolicy(metadata: K8sObject['metadata'], base: string, o: ExportOptions): K8sObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata,
    spec: {
      podSelector: { matchLabels: { 'lepton.dev/deployment': base } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          // only the gateway's data plane; Prometheus scrapes through a rule of its own if the cluster needs one (docs/scale-out.md)
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.gateway.namespace } }, podSelector: { matchLabels: o.gateway.podLabels } }],
          ports: [{ protocol: 'TCP', port: REPLICA_PORT }],
        },
      ],
    },
  };
}
