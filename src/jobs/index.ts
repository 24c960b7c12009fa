/** Layer 7 jobs: job kinds (a registry), FIFO queue, supervised process groups, logs, metrics, artifacts, pipelines. */
export * from './types.js';
export * from './flags.js';
export * from './kind.js';
export * from './kinds/index.js';
export * from './service.js';
export * from './api.js';
export { JobLog, LineSplitter } from './log.js';
export { groupMembers } from './process-group.js';
export { parseEpochLine } from './epoch-lines.js';
