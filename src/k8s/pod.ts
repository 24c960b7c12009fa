/**
 * The Deployment of one revision: the model server through the one replica entry point
 * (src/serve/replica-main.ts, config from LEPTON_REPLICA_CONFIG), probes on the OIP health routes,
 * requests and limits from the photon, a locked-down security context with emptyDirs for the only
 * writable paths, and the photon delivered by an init container (or baked into the image).
 */
import { replicaResources } from './quantity.js';
import type { DeploymentInput, ExportOptions, K8sObject, RequiredSecret, RevisionInput } from './types.js';

/** The port the replica listens on in a pod, named `http` everywhere it is referenced. */
export const REPLICA_PORT = 8080;
/** Our server's health routes the probes call (checks.ts holds them against the server's routes). */
export const PROBE_PATHS = { ready: '/v2/health/ready', live: '/v2/health/live' } as const;
/** LEPTON_HOME in a pod: an emptyDir the init container fills (fetch mode) … */
export const POD_HOME = '/var/lib/lepton';
/** … or the registry baked into the image (`--embed`, see Containerfile). */
export const EMBED_HOME = '/opt/lepton/home';
/** UID/GID of the `lepton` user the Containerfile creates. */
export const RUN_AS = 10001;
/** Key of the replica config in the revision's ConfigMap. */
export const CONFIG_KEY = 'replica-config.json';

// The image runs the compiled package (dist/, built by `npm run build`), not the TypeScript sources.
const NODE = ['node'];

/** Environment variable → Kubernetes Secret holding it (one Secret per platform secret, key `value`). */
export function secretRefs(secrets: readonly string[] | undefined, name: (s: string) => string): RequiredSecret[] {
  return (secrets ?? []).map((s) => ({ name: name(s), key: 'value', why: `env ${s} of every replica (lep secret ${s})` }));
}

const containerSecurity = {
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export interface PodNames {
  deployment: string;
  configMap: string;
  labels: Record<string, string>;
  /** The pods' labels: the object labels less the track, so a promotion restarts no pod. */
  podLabels: Record<string, string>;
  selector: Record<string, string>;
}

export function revisionDeployment(
  input: DeploymentInput,
  rev: RevisionInput,
  names: PodNames,
  secrets: Array<RequiredSecret & { env: string }>,
  hpa: boolean,
  o: ExportOptions,
): K8sObject {
  const ref = `${rev.photon.name}@${rev.photon.version}`;
  const home = o.embed ? EMBED_HOME : POD_HOME;
  const mounts = [
    { name: 'tmp', mountPath: '/tmp' },
    ...(o.embed ? [] : [{ name: 'home', mountPath: POD_HOME }]),
  ];
  const fetch = {
    name: 'fetch-photon',
    image: o.image,
    command: [...NODE, 'dist/k8s/fetch-photon-main.js'],
    env: [
      { name: 'LEPTON_HOME', value: POD_HOME },
      { name: 'LEPTON_CONTROL_PLANE', value: o.controlPlaneUrl },
      { name: 'LEPTON_PHOTON', value: ref },
      { name: 'LEPTON_PHOTON_SHA256', value: rev.photon.sha256 },
      { name: 'LEPTON_FETCH_TOKEN', valueFrom: { secretKeyRef: { name: o.fetchTokenSecret, key: 'token' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    securityContext: containerSecurity,
    volumeMounts: mounts,
  };
  const probe = (path: string, extra: Record<string, number>): Record<string, unknown> => ({
    httpGet: { path, port: 'http' },
    ...extra,
  });
  const replica = {
    name: 'replica',
    image: o.image,
    command: [...NODE, 'dist/serve/replica-main.js'],
    ports: [{ name: 'http', containerPort: REPLICA_PORT, protocol: 'TCP' }],
    env: [
      { name: 'LEPTON_HOME', value: home },
      { name: 'LEPTON_REPLICA_CONFIG', valueFrom: { configMapKeyRef: { name: names.configMap, key: CONFIG_KEY } } },
      ...secrets.map((s) => ({ name: s.env, valueFrom: { secretKeyRef: { name: s.name, key: s.key } } })),
    ],
    resources: replicaResources(rev.photon.bytes),
    // Loading a model can take a while: the startup probe holds liveness off until it has.
    startupProbe: probe(PROBE_PATHS.live, { periodSeconds: 2, failureThreshold: 60 }),
    readinessProbe: probe(PROBE_PATHS.ready, { periodSeconds: 5, failureThreshold: 2 }),
    livenessProbe: probe(PROBE_PATHS.live, { periodSeconds: 10, failureThreshold: 3 }),
    securityContext: containerSecurity,
    volumeMounts: mounts,
  };
  const annotations = {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(REPLICA_PORT),
    'prometheus.io/path': '/metrics',
    'lepton.dev/photon-sha256': rev.photon.sha256,
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: names.deployment, namespace: o.namespace, labels: names.labels },
    spec: {
      // with an HPA the HPA owns the count: a replicas field here would fight it on every apply
      ...(hpa ? {} : { replicas: rev.replicas ?? input.spec.replicas }),
      selector: { matchLabels: names.selector },
      // surge first, never below the ready count: a rollout loses no capacity
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: names.podLabels, annotations },
        spec: {
          automountServiceAccountToken: false,
          // SIGTERM drains in-flight requests (replica-main.ts); give it the time it needs
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS, seccompProfile: { type: 'RuntimeDefault' } },
          ...(o.embed ? {} : { initContainers: [fetch] }),
          containers: [replica],
          volumes: [
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
            ...(o.embed ? [] : [{ name: 'home', emptyDir: { sizeLimit: `${Math.max(64, Math.ceil((2 * rev.photon.bytes) / 2 ** 20) + 16)}Mi` } }]),
          ],
        },
      },
    },
  };
}
