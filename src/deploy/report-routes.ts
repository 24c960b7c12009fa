/**
 * The navigator reports for the console (issue 18). `lep optimize` run as a job writes report.json
 * and pareto.svg into the job's artifacts (a pipeline may hold them in a sub-folder); these routes
 * list every such report with its recommendation, and serve its Pareto chart as an image through
 * an authenticated route. The SVG is our own renderer's output, but it is still sent with a policy
 * that allows nothing to run or load (`default-src 'none'`, `sandbox`): opened on its own, it is inert.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { LeptonError } from '../core/errors.js';
import type { JobService } from '../jobs/index.js';
import { scoped } from './route-scope.js';

/** The chart's policy: nothing runs, loads or frames it elsewhere (an <img> on the console's own page may show it). */
export const CHART_CSP = "default-src 'none'; frame-ancestors 'self'; sandbox";

export interface ReportSummary {
  job: string;
  jobName: string;
  kind: string;
  state: string;
  /** Where the report sits in the job's artifacts ('' or 'optimize/'). */
  folder: string;
  /** The chart's URL, relative to the console page. */
  chart: string | null;
  model: string;
  dataset: string;
  createdAt: string;
  partial: boolean;
  targets: unknown;
  recommendation: { text: string; pick: unknown; copies: number };
  savingsFactor: number | null;
  front: unknown[];
  measurements: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The summary of one report.json; undefined when the file is not a navigator report. */
function summarize(raw: unknown): Omit<ReportSummary, 'job' | 'jobName' | 'kind' | 'state' | 'folder' | 'chart'> | undefined {
  if (!isObj(raw) || !isObj(raw['recommendation']) || typeof raw['model'] !== 'string') return undefined;
  const rec = raw['recommendation'];
  return {
    model: raw['model'],
    dataset: String(raw['dataset'] ?? ''),
    createdAt: String(raw['createdAt'] ?? ''),
    partial: raw['partial'] === true,
    targets: raw['targets'] ?? null,
    recommendation: { text: String(rec['text'] ?? ''), pick: rec['pick'] ?? null, copies: Number(rec['copies'] ?? 0) },
    savingsFactor: typeof raw['savingsFactor'] === 'number' ? raw['savingsFactor'] : null,
    front: Array.isArray(raw['front']) ? raw['front'].slice(0, 50) : [],
    measurements: Array.isArray(raw['measurements']) ? raw['measurements'].length : 0,
  };
}

/** Every navigator report in the jobs' artifacts, newest job first. */
export function listReports(jobs: JobService): ReportSummary[] {
  const out: ReportSummary[] = [];
  for (const job of [...jobs.list()].reverse()) {
    const files = jobs.artifacts(job.id).map((a) => a.path);
    for (const path of files.filter((f) => f === 'report.json' || f.endsWith('/report.json'))) {
      const folder = path.slice(0, -'report.json'.length);
      let s: ReturnType<typeof summarize>;
      try {
        s = summarize(JSON.parse(readFileSync(jobs.artifactPath(job.id, path), 'utf8')));
      } catch {
        continue; // a report still being written, or not JSON: not a report yet
      }
      if (!s) continue;
      const chart = files.includes(`${folder}pareto.svg`) ? `api/v1/reports/${encodeURIComponent(job.id)}/${folder}pareto.svg` : null;
      out.push({ job: job.id, jobName: job.name, kind: job.kind, state: job.state, folder, chart, ...s });
    }
  }
  return out;
}

export function registerReportRoutes(app: FastifyInstance, jobs: JobService): void {
  // for the console page: not part of the documented API (the jobs API serves the same files as artifacts)
  app.get('/api/v1/reports', { ...scoped('read'), schema: { hide: true } }, async () => ({ reports: listReports(jobs) }));

  app.get<{ Params: { job: string; '*': string } }>('/api/v1/reports/:job/*', { config: { scope: 'read', page: true, csp: CHART_CSP }, schema: { hide: true } }, async (req, reply) => {
    const path = req.params['*'];
    if (path !== 'pareto.svg' && !path.endsWith('/pareto.svg')) throw new LeptonError('LEPTON_ERR_NOT_FOUND', 'only a report\'s pareto.svg is served here; other files are job artifacts');
    const file = jobs.artifactPath(req.params.job, path);
    return reply
      .headers({ 'content-security-policy': CHART_CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' })
      .type('image/svg+xml; charset=utf-8')
      .send(readFileSync(file));
  });
}
