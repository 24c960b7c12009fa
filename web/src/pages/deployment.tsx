// One deployment: live charts (requests/s and errors, latency percentiles, in-flight and queue,
// replicas desired vs ready), the replica table, the traffic split, the recent requests, the
// autoscaler's recent decisions, a log tail, and the actions the signed-in token's scopes allow
// (scale, update photon, remove), each confirmed first.
import { useState } from 'preact/hooks';
import { api, canDeploy, type Deployment, type Me } from '../api.js';
import { Chart } from '../chart.js';
import { points } from '../live.js';
import { useLive, usePoll } from './overview.js';
import { RecentRequests, TrafficSplit } from './deployment-parts.js';

interface Replica { id: string; state: string; restarts: number; pid: number | null; inFlight?: number; routed?: boolean; startedAt: string | null }

function Actions(props: { d: Deployment; onDone: () => void }) {
  const name = props.d.spec.name;
  const [replicas, setReplicas] = useState(String(props.d.status.desiredReplicas));
  const [photon, setPhoton] = useState(props.d.spec.photon);
  const [pending, setPending] = useState<{ what: string; run: () => Promise<unknown> } | undefined>(undefined);
  const [msg, setMsg] = useState('');
  const ask = (what: string, run: () => Promise<unknown>) => setPending({ what, run });
  const confirm = async (): Promise<void> => {
    const p = pending!;
    setPending(undefined);
    try {
      await p.run();
      setMsg(`done: ${p.what}`);
      props.onDone();
    } catch (e) {
      setMsg(`refused: ${(e as Error).message}`);
    }
  };
  const path = `api/v1/deployments/${encodeURIComponent(name)}`;
  return (
    <div class="actions">
      <label>replicas <input type="number" min="0" max="64" value={replicas} data-testid="replicas-input" onInput={(e) => setReplicas((e.target as HTMLInputElement).value)} /></label>
      <button type="button" data-testid="scale" onClick={() => ask(`scale ${name} to ${replicas}`, () => api('PATCH', path, { replicas: Number(replicas) }))}>Scale</button>
      <label>photon <input value={photon} onInput={(e) => setPhoton((e.target as HTMLInputElement).value)} /></label>
      <button type="button" onClick={() => ask(`update ${name} to ${photon}`, () => api('PATCH', path, { photon }))}>Update</button>
      <button type="button" class="danger" onClick={() => ask(`remove ${name}`, () => api('DELETE', path).then(() => (location.hash = '#/')))}>Remove</button>
      {pending ? (
        <div class="confirm" role="dialog">
          Really {pending.what}? <button type="button" data-testid="confirm" onClick={confirm}>Confirm</button>
          <button type="button" onClick={() => setPending(undefined)}>Cancel</button>
        </div>
      ) : null}
      {msg ? <p class="note" data-testid="action-result">{msg}</p> : null}
    </div>
  );
}

export function DeploymentPage(props: { me: Me; name: string }) {
  useLive();
  const enc = encodeURIComponent(props.name);
  const [d, err, reload] = usePoll(() => api<Deployment>('GET', `api/v1/deployments/${enc}`), 3000, [props.name]);
  const [reps] = usePoll(() => api<{ replicas: Replica[] }>('GET', `api/v1/deployments/${enc}/replicas`), 3000, [props.name]);
  const [events] = usePoll(() => api<{ events: Array<{ id: number; ts: string; type: string; message: string; replica: string | null }> }>('GET', `api/v1/events?deployment=${enc}&limit=200`), 5000, [props.name]);
  const [logs] = usePoll(() => api<{ logs: Array<{ replica: string; text: string }> }>('GET', `api/v1/deployments/${enc}/logs?limit=2048`), 4000, [props.name]);
  const [hist] = usePoll(() => api<{ replicas: Record<string, Array<{ rps: number; p50: number | null; p99: number | null }>> }>('GET', `api/v1/deployments/${enc}/history`), 2000, [props.name]);
  const pts = points(props.name);
  const t = pts.map((p) => p.t);
  if (err) return <p class="error">{err}</p>;
  if (!d) return <p>Loading…</p>;
  return (
    <section>
      <h2>{d.spec.name} <span class={`phase ${d.status.phase}`}>{d.status.phase}</span></h2>
      <p>{d.status.photon} · ready {d.status.readyReplicas} / desired {d.status.desiredReplicas} · <a href={`#/playground/${enc}`}>playground</a> · <code>{d.endpoint}</code></p>
      {canDeploy(props.me) ? <Actions d={d} onDone={reload} /> : <p class="note">This token may only look (read scope).</p>}
      <div class="charts">
        <Chart title="requests/s" testId="chart-rps" times={t} lines={[
          { label: 'requests/s', values: pts.map((p) => p.rps), color: '#2563eb' },
          { label: '4xx/s', values: pts.map((p) => p.errors4xx), color: '#d97706' },
          { label: '5xx/s', values: pts.map((p) => p.errors5xx), color: '#dc2626' },
        ]} />
        <Chart title="latency ms" times={t} lines={[
          { label: 'p50', values: pts.map((p) => p.p50), color: '#16a34a' },
          { label: 'p95', values: pts.map((p) => p.p95), color: '#d97706' },
          { label: 'p99', values: pts.map((p) => p.p99), color: '#dc2626' },
        ]} />
        <Chart title="in flight / queued" times={t} lines={[
          { label: 'in flight', values: pts.map((p) => p.inFlight), color: '#7c3aed' },
          { label: 'queued', values: pts.map((p) => p.queued), color: '#64748b' },
        ]} />
        <Chart title="replicas" times={t} lines={[
          { label: 'desired', values: pts.map((p) => p.desired), color: '#64748b' },
          { label: 'ready', values: pts.map((p) => p.ready), color: '#16a34a' },
        ]} />
      </div>
      <h3>Replicas</h3>
      <table data-testid="replicas">
        <thead><tr><th>id</th><th>state</th><th>routed</th><th>in flight</th><th>req/s</th><th>p50 ms</th><th>p99 ms</th><th>restarts</th><th>pid</th><th>started</th></tr></thead>
        <tbody>{(reps?.replicas ?? []).map((r) => (
          <tr key={r.id}><td>{r.id}</td><td>{r.state}</td><td>{r.routed ? 'yes' : 'no'}</td><td>{r.inFlight ?? 0}</td><td>{hist?.replicas[r.id]?.at(-1)?.rps ?? 0}</td><td>{hist?.replicas[r.id]?.at(-1)?.p50 ?? '–'}</td><td>{hist?.replicas[r.id]?.at(-1)?.p99 ?? '–'}</td><td>{r.restarts}</td><td>{r.pid ?? ''}</td><td>{r.startedAt ?? ''}</td></tr>
        ))}</tbody>
      </table>
      <h3>Traffic split</h3>
      <TrafficSplit d={d} />
      <h3>Recent requests</h3>
      <RecentRequests name={props.name} />
      <h3>Recent events</h3>
      <ul class="events">{(events?.events ?? []).slice(-12).reverse().map((e) => <li key={e.id}><time>{e.ts.slice(11, 19)}</time> <b>{e.type}</b> {e.replica ?? ''} {e.message}</li>)}</ul>
      <h3>Log tail</h3>
      {(logs?.logs ?? []).map((l) => <details key={l.replica}><summary>{l.replica}</summary><pre class="log">{l.text.split('\n').slice(-30).join('\n')}</pre></details>)}
    </section>
  );
}
