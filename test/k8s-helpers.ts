/**
 * Fixtures and the schema check for the Kubernetes export tests: the default deployment and a
 * canary deployment with an HPA, fixed export options (so golden files are stable), and
 * `schemaProblems`, which runs each object through its upstream OpenAPI schema (kubernetes-models).
 */
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { EXPORT_DEFAULTS, type DeploymentInput, type ExportOptions, type K8sObject, type PhotonInfo } from '../src/k8s/index.js';

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** Every object through its upstream schema; an object of a kind we have no schema for is a problem too. */
export function schemaProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) {
      problems.push(`${o.kind}/${o.metadata.name}: no schema for ${o.apiVersion}`);
      continue;
    }
    try {
      new Model(structuredClone(o) as never).validate();
    } catch (err) {
      problems.push(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
    }
  }
  return problems;
}

export const MNIST_1: PhotonInfo = { name: 'mnist', version: '1', sha256: 'a'.repeat(64), bytes: 420_118 };
export const MNIST_2: PhotonInfo = { name: 'mnist', version: '2', sha256: 'b'.repeat(64), bytes: 431_377 };

export const OPTIONS: ExportOptions = {
  ...EXPORT_DEFAULTS,
  namespace: 'lepton',
  image: 'registry.example.com/lepton/runtime:0.1.0',
  controlPlaneUrl: 'http://lepton-control-plane.lepton.svc:8080',
  gateway: { name: 'lepton-gateway', namespace: 'lepton-gateway', podLabels: { 'lepton.dev/role': 'gateway' } },
};

/** What `lep up` creates: mnist, 2 replicas, least-request. */
export const DEFAULT_DEPLOYMENT: DeploymentInput = {
  spec: { name: 'mnist', replicas: 2, policy: 'least-request' },
  revisions: [{ role: 'stable', photon: MNIST_1, weight: 100 }],
};

/** A canary at 10% with autoscaling (so an HPA per revision) and one secret. */
export const CANARY_DEPLOYMENT: DeploymentInput = {
  spec: {
    name: 'digits',
    replicas: 2,
    policy: 'least-request',
    secrets: ['HF_TOKEN'],
    autoscaling: { minReplicas: 2, maxReplicas: 10, targetOngoing: 2, upscaleDelayMs: 5_000, downscaleDelayMs: 60_000, lookbackMs: 10_000 },
  },
  revisions: [
    { role: 'stable', photon: MNIST_1, weight: 90 },
    { role: 'canary', photon: MNIST_2, weight: 10, replicas: 1 },
  ],
};
