/** Kubernetes export of deployments: objects, our checks on them, YAML, and the files `lep` writes. */
export { exportDeployment, INFLIGHT_METRIC, secretObjectName } from './export.js';
export { checkExport } from './checks.js';
export { toYaml } from './yaml.js';
export { k8sName, labelValue } from './names.js';
export { exportChecked, revisionsOf, secretsText, writeExport, type SpecLike } from './write.js';
export { EXPORT_DEFAULTS, type DeploymentInput, type ExportOptions, type ExportResult, type K8sObject, type PhotonInfo, type RequiredSecret, type RevisionInput } from './types.js';
export { exportTrainingJob, RENDEZVOUS_PORT, type JobInput } from './job.js';
