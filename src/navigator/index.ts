/** Layer 7 navigator: variants × serving settings → measurements → Pareto front → recommendation. */
export * from './types.js';
export * from './pareto.js';
export * from './search.js';
export { renderSvg, renderPng, type ChartInput } from './chart.js';
export { reportMarkdown as navigatorMarkdown, writeNavigatorReport, type NavigatorReport } from './report.js';
export { navigate, type NavigatorOptions } from './navigator.js';
export { planVariants, DEFAULT_VARIANTS, DEFAULT_STUDENT, type PlannedVariant } from './variants.js';
export { runLoad, type LoadOptions, type LoadResult } from './load.js';
export { startReplicas, type ReplicaSet } from './replicas.js';
