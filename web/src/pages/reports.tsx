// Navigator reports: every `lep optimize` run on the platform (an optimize job, or a pipeline's
// optimize step) with its recommendation, the savings against the naive default, the Pareto front
// as a table, and the Pareto chart: the navigator's own SVG, loaded as an image from an
// authenticated route (so it can run nothing, and the page's CSP needs no exception).
import { api } from '../api.js';
import { usePoll } from './overview.js';

interface Point { variant: string; config: { threads: number; replicas: number; maxBatch: number; maxWaitMs: number }; accuracy: number; rps: number; p99Ms: number; costPerMillion: number }
interface Report {
  job: string; jobName: string; kind: string; state: string; folder: string; chart: string | null; model: string; dataset: string; createdAt: string;
  partial: boolean; targets: { minAccuracy: number; p99Ms: number; rps: number } | null; recommendation: { text: string; pick: Point | null; copies: number };
  savingsFactor: number | null; front: Point[]; measurements: number;
}

const setting = (c: Point['config']): string => `t${c.threads}-r${c.replicas}-b${c.maxBatch}-w${c.maxWaitMs}`;
const money = (v: number): string => (Number.isFinite(v) ? `$${v >= 1 ? v.toFixed(2) : v.toPrecision(3)}` : '—');

export function Reports() {
  const [r, err] = usePoll(() => api<{ reports: Report[] }>('GET', 'api/v1/reports'), 10_000);
  const list = r?.reports ?? [];
  return (
    <section>
      <h2>Navigator reports</h2>
      {err ? <p class="error">{err.includes('404') ? 'This platform runs no jobs service, so it has no navigator reports.' : err}</p> : null}
      {r && list.length === 0 ? <p class="note">No reports yet: run <code>lep optimize</code> as a job (kind <code>optimize</code>) and its report appears here.</p> : null}
      {list.map((x) => (
        <article class="report" key={`${x.job}/${x.folder}`} data-testid={`report-${x.job}`}>
          <h3>{x.model} on {x.dataset}{x.partial ? ' (partial)' : ''}</h3>
          <p class="note">job <a href="#/jobs">{x.job}</a> ({x.kind}, {x.state}) · {x.createdAt.slice(0, 19)} · {x.measurements} measurements
            {x.targets ? ` · targets: accuracy ≥ ${(x.targets.minAccuracy * 100).toFixed(1)}%, p99 ≤ ${x.targets.p99Ms} ms at ${x.targets.rps} req/s` : ''}</p>
          <p class="recommend" data-testid="recommendation">{x.recommendation.text}
            {x.savingsFactor !== null ? <> · <b>{x.savingsFactor.toFixed(1)}× cheaper</b> per request than the naive default</> : null}</p>
          {x.chart ? <img src={x.chart} alt={`Pareto chart: ${x.model} on ${x.dataset}, cost vs p99`} data-testid="pareto" /> : <p class="note">No chart was written.</p>}
          <table>
            <thead><tr><th>front: variant</th><th>setting</th><th>accuracy</th><th>req/s</th><th>p99 ms</th><th>$/M requests</th></tr></thead>
            <tbody>{x.front.map((p, i) => (
              <tr key={i} class={x.recommendation.pick && p.variant === x.recommendation.pick.variant && setting(p.config) === setting(x.recommendation.pick.config) ? 'ok' : ''}>
                <td>{p.variant}</td><td>{setting(p.config)}</td><td>{(p.accuracy * 100).toFixed(2)}%</td><td>{Math.round(p.rps)}</td><td>{p.p99Ms.toFixed(2)}</td><td>{money(p.costPerMillion)}</td>
              </tr>
            ))}</tbody>
          </table>
        </article>
      ))}
    </section>
  );
}
