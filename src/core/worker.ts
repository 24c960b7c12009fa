/**
 * Start a worker thread on one of our modules, from the compiled package or from the TypeScript
 * sources alike. Node 20 does not pass the parent's `--import tsx` loader to workers, so when this
 * process runs the sources through tsx the worker first registers tsx itself, then imports the file.
 * One place for that rule (explain's worker pool, the threads transport, the federated simulation).
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** True when this process runs the TypeScript sources (through tsx) rather than dist/. */
export const RUNNING_FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * `entry` is the module as the compiled package names it (`new URL('./x.js', import.meta.url)`);
 * from the sources its `.ts` sibling is loaded instead.
 */
export function startModuleWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const needsTsx = entry.pathname.endsWith('.ts') || (RUNNING_FROM_SOURCES && entry.pathname.endsWith('.js'));
  if (!needsTsx) return new Worker(entry, options);
  const file = entry.href.replace(/\.js$/, '.ts');
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(file)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), options);
}
