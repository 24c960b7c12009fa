// Two views of the deployment page: the traffic split between its revisions (stable and, while one
// runs, the canary: photon, weight, replicas and the last minute at the gateway), and the recent
// requests the gateway kept (time, status, latency, replica and the batch each rode in, as the
// replica reported it in x-lepton-batch-size).
import { api, type Deployment } from '../api.js';
import { usePoll } from './overview.js';

interface Revision {
  revision: string; photon: string; weight: number; readyReplicas: number; desiredReplicas: number;
  lastMinute: { requests: number; errors: number; errorRate: number; p99Ms: number } | null;
}
export interface RequestRecord { t: number; method: string; path: string; status: number; ms: number; replica: string | null; batch: number | null; revision: string; aborted: boolean }

export function TrafficSplit(props: { d: Deployment & { revisions?: Revision[] } }) {
  const d = props.d;
  const revs: Revision[] = d.revisions ?? [
    { revision: 'stable', photon: d.status.photon, weight: 100, readyReplicas: d.status.readyReplicas, desiredReplicas: d.status.desiredReplicas, lastMinute: null },
  ];
  return (
    <div data-testid="split">
      <div class="split-bar">{revs.map((r) => <span key={r.revision} class={`rev-${r.revision}`} style={{ width: `${r.weight}%` }}>{r.weight > 0 ? `${r.revision} ${r.weight}%` : ''}</span>)}</div>
      <table>
        <thead><tr><th>revision</th><th>photon</th><th>weight</th><th>ready / desired</th><th>last minute: requests</th><th>errors</th><th>p99 ms</th></tr></thead>
        <tbody>{revs.map((r) => (
          <tr key={r.revision} data-testid={`revision-${r.revision}`}>
            <td>{r.revision}</td><td>{r.photon}</td><td>{r.weight}%</td><td>{r.readyReplicas} / {r.desiredReplicas}</td>
            <td>{r.lastMinute?.requests ?? '–'}</td><td>{r.lastMinute ? `${r.lastMinute.errors} (${(r.lastMinute.errorRate * 100).toFixed(1)}%)` : '–'}</td><td>{r.lastMinute ? r.lastMinute.p99Ms.toFixed(1) : '–'}</td>
          </tr>
        ))}</tbody>
      </table>
      {d.revisions ? null : <p class="note">No canary: the stable revision takes all traffic.</p>}
    </div>
  );
}

const time = (t: number): string => new Date(t).toISOString().slice(11, 23);

export function RecentRequests(props: { name: string }) {
  const [r, err] = usePoll(() => api<{ requests: RequestRecord[]; capacity: number }>('GET', `api/v1/deployments/${encodeURIComponent(props.name)}/requests?limit=50`), 2000, [props.name]);
  if (err) return <p class="error">{err}</p>;
  const list = r?.requests ?? [];
  return (
    <div class="scroll">
      <table data-testid="requests">
        <thead><tr><th>time</th><th>request</th><th>status</th><th>latency ms</th><th>replica</th><th>revision</th><th>batch</th></tr></thead>
        <tbody>
          {list.length === 0 ? <tr><td colSpan={7}>no requests yet</td></tr> : null}
          {list.map((x, i) => (
            <tr key={`${x.t}-${i}`} class={x.status >= 500 || x.aborted ? 'bad' : x.status >= 400 ? 'warn' : ''}>
              <td>{time(x.t)}</td><td>{x.method} {x.path}</td><td>{x.aborted ? `${x.status || '—'} (aborted)` : x.status}</td><td>{x.ms.toFixed(1)}</td>
              <td><code>{x.replica ?? '—'}</code></td><td>{x.revision}</td><td data-testid="batch">{x.batch ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r ? <p class="note">The last {list.length} of up to {r.capacity} kept; batch: the rows the replica computed together.</p> : null}
    </div>
  );
}
