// Jobs: a form to launch a train job (deploy scope only); the list; one job's state, steps,
// loss/accuracy per epoch, live log and cancel; and a comparison of two or more runs that shows
// only the settings that differ, with min/max per metric.
import { useEffect, useState } from 'preact/hooks';
import { api, canDeploy, type Me } from '../api.js';
import { Chart } from '../chart.js';
import { usePoll } from './overview.js';
import { LaunchTrain } from './jobs-form.js';

interface Epoch { step: string; epoch: number; epochs: number; loss: number; accuracy: number; testAccuracy: number | null }
interface Job { id: string; kind: string; name: string; args: string[]; state: string; createdAt: string; endedAt: string | null; reason: string | null; steps: Array<{ name: string; state: string }>; metrics: Epoch[]; result: Record<string, unknown> }

/** `--lr 0.01 --epochs 3` → { lr: '0.01', epochs: '3' } (a flag without a value is 'true'). */
function settings(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) continue;
    const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (v !== undefined) out[k] = v;
    else if (args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) out[k] = args[++i]!;
    else out[k] = 'true';
  }
  return out;
}

function Compare(props: { jobs: Job[] }) {
  const s = props.jobs.map((j) => settings(j.args));
  const keys = [...new Set(s.flatMap((x) => Object.keys(x)))].filter((k) => new Set(s.map((x) => x[k] ?? '—')).size > 1).sort();
  const stat = (j: Job, f: (e: Epoch) => number | null): string => {
    const v = j.metrics.map(f).filter((x): x is number => x !== null);
    return v.length === 0 ? '–' : `${Math.min(...v).toFixed(4)} / ${Math.max(...v).toFixed(4)}`;
  };
  return (
    <table data-testid="compare">
      <thead><tr><th>setting</th>{props.jobs.map((j) => <th key={j.id}>{j.name} ({j.id})</th>)}</tr></thead>
      <tbody>
        {keys.length === 0 ? <tr><td colSpan={props.jobs.length + 1}>the runs share every setting</td></tr> : null}
        {keys.map((k) => <tr key={k}><td>--{k}</td>{s.map((x, i) => <td key={i}>{x[k] ?? '—'}</td>)}</tr>)}
        <tr><td>loss min / max</td>{props.jobs.map((j) => <td key={j.id}>{stat(j, (e) => e.loss)}</td>)}</tr>
        <tr><td>accuracy min / max</td>{props.jobs.map((j) => <td key={j.id}>{stat(j, (e) => e.accuracy)}</td>)}</tr>
        <tr><td>test accuracy min / max</td>{props.jobs.map((j) => <td key={j.id}>{stat(j, (e) => e.testAccuracy)}</td>)}</tr>
      </tbody>
    </table>
  );
}

function Detail(props: { me: Me; job: Job; onChange: () => void }) {
  const j = props.job;
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => {
    let since = 0;
    let live = true;
    setLines([]);
    const tick = (): void => void api<{ lines: Array<{ seq: number; line: string }>; lastSeq: number }>('GET', `api/v1/jobs/${encodeURIComponent(j.id)}/logs?since=${since}`)
      .then((r) => {
        if (!live) return;
        since = r.lastSeq;
        if (r.lines.length > 0) setLines((old) => [...old, ...r.lines.map((l) => l.line)].slice(-200));
      })
      .catch(() => undefined);
    tick();
    const t = setInterval(tick, 2000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [j.id]);
  const [ask, setAsk] = useState(false);
  const x = j.metrics.map((_, i) => i + 1);
  return (
    <div>
      <h3>{j.name} · {j.kind} · <span class={`phase ${j.state}`}>{j.state}</span></h3>
      <p class="note">{j.args.join(' ')}{j.reason ? ` · ${j.reason}` : ''}</p>
      {canDeploy(props.me) && (j.state === 'running' || j.state === 'queued') ? (
        ask ? <span class="confirm">Cancel {j.id}? <button type="button" onClick={() => void api('POST', `api/v1/jobs/${encodeURIComponent(j.id)}/cancel`).then(props.onChange)}>Confirm</button> <button type="button" onClick={() => setAsk(false)}>Keep</button></span>
          : <button type="button" class="danger" onClick={() => setAsk(true)}>Cancel job</button>
      ) : null}
      <p>{j.steps.map((s) => <span class="chip" key={s.name}>{s.name}: {s.state}</span>)}</p>
      {j.metrics.length > 0 ? (
        <div class="charts">
          <Chart title="loss per epoch" xIsTime={false} times={x} lines={[{ label: 'loss', values: j.metrics.map((e) => e.loss), color: '#dc2626' }]} />
          <Chart title="accuracy per epoch" xIsTime={false} times={x} lines={[
            { label: 'train', values: j.metrics.map((e) => e.accuracy), color: '#2563eb' },
            { label: 'test', values: j.metrics.map((e) => e.testAccuracy), color: '#16a34a' },
          ]} />
        </div>
      ) : null}
      {Object.keys(j.result).length > 0 ? <pre class="log">{JSON.stringify(j.result, null, 2)}</pre> : null}
      <h4>Log</h4>
      <pre class="log">{lines.join('\n')}</pre>
    </div>
  );
}

export function Jobs(props: { me: Me }) {
  const [list, err, reload] = usePoll(() => api<{ jobs: Job[] }>('GET', 'api/v1/jobs'), 3000);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [picked, setPicked] = useState<string[]>([]);
  const jobs = list?.jobs ?? [];
  const job = jobs.find((j) => j.id === open);
  const toggle = (id: string): void => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  return (
    <section>
      <h2>Jobs</h2>
      {err ? <p class="error">{err.includes('404') || err.includes('no route') ? 'This platform runs no jobs service.' : err}</p> : null}
      {canDeploy(props.me) && !err ? <LaunchTrain onLaunched={(id) => { setOpen(id); reload(); }} /> : null}
      <table data-testid="jobs">
        <thead><tr><th>compare</th><th>id</th><th>kind</th><th>name</th><th>state</th><th>created</th><th>ended</th></tr></thead>
        <tbody>{jobs.slice().reverse().map((j) => (
          <tr key={j.id}>
            <td><input type="checkbox" checked={picked.includes(j.id)} onChange={() => toggle(j.id)} /></td>
            <td><a href="#/jobs" onClick={(e) => { e.preventDefault(); setOpen(j.id); }}>{j.id}</a></td>
            <td>{j.kind}</td><td>{j.name}</td><td>{j.state}</td><td>{j.createdAt.slice(0, 19)}</td><td>{(j.endedAt ?? '').slice(0, 19)}</td>
          </tr>
        ))}</tbody>
      </table>
      {picked.length >= 2 ? <><h3>Comparison</h3><Compare jobs={jobs.filter((j) => picked.includes(j.id))} /></> : null}
      {job ? <Detail me={props.me} job={job} onChange={reload} /> : null}
    </section>
  );
}
