// The threads transport against the shared process-group conformance suite (ranks are worker threads).
import { processGroupConformance, type Outcome } from './process-group.conformance.js';
import { launchThreadsSettled } from './threads-launch.js';

const ENTRY = new URL('./process-group.conformance-rank.ts', import.meta.url);

processGroupConformance('threads', async (worldSize, name) => {
  // 1000-float slots: the longer cases go through in several pieces.
  const { outcomes } = await launchThreadsSettled({ worldSize, entry: ENTRY, data: { name }, capacity: 1000, timeoutMs: 20_000 });
  return outcomes.map((o): Outcome => (o.ok ? { ok: true, value: o.value } : { ok: false, code: o.error.code, message: o.error.message }));
});
