/**
 * What the Kubernetes export takes and gives. The input is plain data (a deployment's spec and the
 * photons its revisions run, as the control-plane API shows them), so the CLI can feed it from the
 * API and `lep up --export-k8s` from the store; the output is plain objects ready to serialise.
 */
import type { AutoscalingSpec, DeploymentSpec } from '../deploy/spec.js';

/** A Kubernetes object as we emit it: typed loosely, checked by checks.ts and (in tests) the upstream schemas. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A photon as the API lists it. */
export interface PhotonInfo {
  name: string;
  version: string;
  sha256: string;
  bytes: number;
}

/** One revision of a deployment: a photon and its share of the traffic (weights of all revisions sum to 100). */
export interface RevisionInput {
  role: 'stable' | 'canary';
  photon: PhotonInfo;
  weight: number;
  /** A canary's own fixed count (the control plane does not autoscale a canary); the stable revision uses the spec's. */
  replicas?: number;
}

export interface DeploymentInput {
  spec: Pick<DeploymentSpec, 'name' | 'replicas' | 'policy' | 'secrets'> & { autoscaling?: AutoscalingSpec | undefined };
  revisions: RevisionInput[];
}

export interface ExportOptions {
  /** Runtime image (the repo's Containerfile). */
  image: string;
  namespace: string;
  /** The photon is baked into the image under EMBED_HOME: no init container, no fetch token. */
  embed: boolean;
  /** Add a ServiceMonitor (prometheus-operator) beside the scrape annotations. */
  prometheusOperator: boolean;
  /** The control-plane URL as pods reach it (the init container fetches photons there). */
  controlPlaneUrl: string;
  /** Secret (key `token`) holding a `read`-scoped token for the photon fetch. */
  fetchTokenSecret: string;
  /** The Gateway the HTTPRoute attaches to, and the namespace and pod labels of its data plane (NetworkPolicy). */
  gateway: { name: string; namespace: string; podLabels: Record<string, string> };
}

/** A Secret the export references and the user must create (by name and key; we never hold values). */
export interface RequiredSecret {
  name: string;
  key: string;
  why: string;
}

export interface ExportResult {
  deployment: string;
  objects: K8sObject[];
  requiredSecrets: RequiredSecret[];
}

export const EXPORT_DEFAULTS: Omit<ExportOptions, 'image' | 'controlPlaneUrl'> = {
  namespace: 'default',
  embed: false,
  prometheusOperator: false,
  fetchTokenSecret: 'lepton-photon-fetch',
  gateway: { name: 'lepton-gateway', namespace: 'default', podLabels: { 'lepton.dev/role': 'gateway' } },
};
