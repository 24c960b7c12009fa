/**
 * A training job → an Indexed Job plus a headless Service for rendezvous. Each pod runs `lep train`
 * with the job's flags as one rank of the tcp process group: RANK is its completion index,
 * WORLD_SIZE the node count, MASTER_ADDR pod 0's DNS name under the headless Service, and the
 * shared secret comes from a Secret: the variables `lep train --nnodes` reads (src/parallel).
 */
import { invalidArgument } from '../core/errors.js';
import { k8sName } from './names.js';
import { POD_HOME, RUN_AS } from './pod.js';
import type { ExportOptions, ExportResult, K8sObject } from './types.js';

/** The rendezvous port rank 0 listens on (MASTER_PORT). */
export const RENDEZVOUS_PORT = 29500;
/** Where rank 0 writes the run (an emptyDir: copy it out, or mount a volume there). */
export const RUN_DIR = `${POD_HOME}/run`;

export interface JobInput {
  id: string;
  kind: string;
  name: string;
  /** The `lep train` flags as the job was submitted. */
  args: readonly string[];
  threads: number;
}

/** Flags the export sets itself (from the Job's environment), so a job's own may not carry them. */
const OWNED = ['--nnodes', '--node-rank', '--master', '--secret-file', '--workers', '--out'];

export function exportTrainingJob(job: JobInput, nnodes: number, o: Pick<ExportOptions, 'image' | 'namespace'> & { distSecret: string }): ExportResult {
  if (job.kind !== 'train') throw invalidArgument(`only train jobs run on several nodes; job ${job.id} is a ${job.kind} job`);
  if (!Number.isInteger(nnodes) || nnodes < 2 || nnodes > 256) throw invalidArgument('--nnodes must be an integer from 2 to 256');
  const clash = job.args.find((a) => OWNED.includes(a.split('=')[0]!));
  if (clash) throw invalidArgument(`job ${job.id} sets ${clash}; the export sets it for every rank (drop it and export again)`);
  const name = k8sName(['train', job.id]);
  const labels = { 'app.kubernetes.io/name': 'lepton-train', 'app.kubernetes.io/part-of': 'lepton', 'app.kubernetes.io/managed-by': 'lep', 'lepton.dev/job': name };
  const meta = { name, namespace: o.namespace, labels };
  const threads = Math.max(1, job.threads);
  const security = {
    runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false,
    capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
  };
  const service: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    // headless, and published before ready: ranks must find rank 0 while it is still waiting for them
    spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { 'lepton.dev/job': name }, ports: [{ name: 'rendezvous', port: RENDEZVOUS_PORT, targetPort: 'rendezvous', protocol: 'TCP' }] },
  };
  const indexed: K8sObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta,
    spec: {
      completionMode: 'Indexed',
      completions: nnodes,
      parallelism: nnodes,
      // a lost rank aborts the group (fail-fast); a restarted rank cannot rejoin a running ring
      backoffLimit: 0,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          subdomain: name,
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'rank',
            image: o.image,
            // `lep` is on the image's PATH (Containerfile)
            command: ['lep', 'train', ...job.args, '--out', RUN_DIR],
            ports: [{ name: 'rendezvous', containerPort: RENDEZVOUS_PORT, protocol: 'TCP' }],
            env: [
              { name: 'LEPTON_HOME', value: POD_HOME },
              { name: 'WORLD_SIZE', value: String(nnodes) },
              { name: 'RANK', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
              // pod 0 of an Indexed Job is <job>-0, and the headless Service gives it a DNS name
              { name: 'MASTER_ADDR', value: `${name}-0.${name}.${o.namespace}.svc` },
              { name: 'MASTER_PORT', value: String(RENDEZVOUS_PORT) },
              { name: 'LEPTON_DIST_SECRET', valueFrom: { secretKeyRef: { name: o.distSecret, key: 'secret' } } },
            ],
            resources: { requests: { cpu: String(threads), memory: '1Gi' }, limits: { cpu: String(threads), memory: '2Gi' } },
            securityContext: security,
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'home', mountPath: POD_HOME }],
          }],
          volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'home', emptyDir: {} }],
        },
      },
    },
  };
  return {
    deployment: name,
    objects: [service, indexed],
    requiredSecrets: [{ name: o.distSecret, key: 'secret', why: 'the shared secret authenticating the ranks (openssl rand -hex 32)' }],
  };
}
