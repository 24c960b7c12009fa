// Overview: every deployment with its health, desired/ready replicas and live requests/s and p99
// sparklines; the photons; running jobs when the platform has a jobs service.
import { useEffect, useState } from 'preact/hooks';
import { api, type Deployment } from '../api.js';
import { Chart } from '../chart.js';
import { points, subscribe } from '../live.js';

export function usePoll<T>(load: () => Promise<T>, ms: number, deps: unknown[] = []): [T | undefined, string, () => void] {
  const [v, setV] = useState<T | undefined>(undefined);
  const [err, setErr] = useState('');
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    const tick = (): void => void load().then((x) => live && (setV(x), setErr(''))).catch((e: Error) => live && setErr(e.message));
    tick();
    const t = setInterval(tick, ms);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [...deps, n]);
  return [v, err, () => setN(n + 1)];
}

export function useLive(): void {
  const [, setN] = useState(0);
  useEffect(() => subscribe(() => setN((x) => x + 1)), []);
}

export function Overview() {
  useLive();
  const [deps, err] = usePoll(() => api<{ deployments: Deployment[] }>('GET', 'api/v1/deployments'), 3000);
  const [photons] = usePoll(() => api<{ photons: Array<{ name: string; version: string; bytes: number }> }>('GET', 'api/v1/photons'), 10_000);
  const [jobs] = usePoll(() => api<{ jobs: Array<{ id: string; kind?: string; state?: string; status?: string; name?: string }> }>('GET', 'api/v1/jobs').catch(() => ({ jobs: [] })), 5000);
  const running = (jobs?.jobs ?? []).filter((j) => ['running', 'queued', 'pending'].includes(String(j.state ?? j.status)));
  return (
    <section>
      <h2>Deployments</h2>
      {err ? <p class="error">{err}</p> : null}
      <table class="deployments" data-testid="deployments">
        <thead><tr><th>name</th><th>health</th><th>ready / desired</th><th>photon</th><th>requests/s</th><th>p99 ms</th></tr></thead>
        <tbody>
          {(deps?.deployments ?? []).map((d) => {
            const pts = points(d.spec.name);
            const times = pts.map((p) => p.t);
            return (
              <tr key={d.spec.name} data-deployment={d.spec.name}>
                <td><a href={`#/deployment/${encodeURIComponent(d.spec.name)}`}>{d.spec.name}</a></td>
                <td><span class={`phase ${d.status.phase}`}>{d.status.phase}</span></td>
                <td class="ready" data-testid={`ready-${d.spec.name}`}>{d.status.readyReplicas} / {d.status.desiredReplicas}</td>
                <td>{d.status.photon}</td>
                <td class="sparkcell"><Chart spark title="rps" times={times} lines={[{ label: 'rps', values: pts.map((p) => p.rps), color: '#2563eb' }]} /><span>{pts.at(-1)?.rps ?? 0}</span></td>
                <td class="sparkcell"><Chart spark title="p99" times={times} lines={[{ label: 'p99', values: pts.map((p) => p.p99), color: '#dc2626' }]} /><span>{pts.at(-1)?.p99 ?? '–'}</span></td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {deps && deps.deployments.length === 0 ? <p>No deployments yet: <code>lep deployment create</code>.</p> : null}
      <h2>Photons</h2>
      <p>{(photons?.photons ?? []).map((p) => <span class="chip" key={`${p.name}@${p.version}`}>{p.name}@{p.version} · {(p.bytes / 1024).toFixed(0)} KB</span>)}</p>
      {running.length > 0 ? (
        <>
          <h2>Running jobs</h2>
          <ul>{running.map((j) => <li key={j.id}>{j.id} {j.kind ?? ''} {j.state ?? j.status}</li>)}</ul>
        </>
      ) : null}
    </section>
  );
}
