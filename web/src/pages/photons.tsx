// Photons: every version with its size and sha256; the manifest (input/output schema, labels,
// preprocessing, training metrics) read from the archive itself, on demand.
import { useState } from 'preact/hooks';
import { api, call } from '../api.js';
import { untar } from '../tar.js';
import { usePoll } from './overview.js';

interface PhotonRow { name: string; version: string; sha256: string; bytes: number; created: string }

export async function loadPhoton(name: string, version: string): Promise<{ manifest: Record<string, unknown>; files: Map<string, Uint8Array> }> {
  const r = await call('GET', `api/v1/photons/${encodeURIComponent(name)}/${encodeURIComponent(version)}/archive`);
  const files = await untar(await r.arrayBuffer());
  const m = files.get('photon.json');
  if (!m) throw new Error('the archive has no photon.json');
  return { manifest: JSON.parse(new TextDecoder().decode(m)) as Record<string, unknown>, files };
}

/** The metrics recorded when the photon's model was trained: the manifest's own, else its job's provenance. */
export function trainingMetrics(m: Record<string, unknown>): Record<string, number> | undefined {
  const own = m['metrics'] as Record<string, number> | undefined;
  const prov = (m['provenance'] as { metrics?: Record<string, number> } | undefined)?.metrics;
  return own ?? prov;
}

/** The manifest for reading: each example's values as a count, not hundreds of numbers. */
function shorten(m: Record<string, unknown>): Record<string, unknown> {
  const ex = m['examples'] as Array<{ name: string; data: number[]; label?: string }> | undefined;
  return ex ? { ...m, examples: ex.map((e) => ({ ...e, data: `${e.data.length} values` })) } : m;
}

function Metrics(props: { manifest: Record<string, unknown> }) {
  const m = trainingMetrics(props.manifest);
  const prov = props.manifest['provenance'] as { job: string; dataset: string } | undefined;
  if (!m || Object.keys(m).length === 0) return <p class="note">No training metrics were recorded with this photon.</p>;
  const fmt = (k: string, v: number): string => (Number.isInteger(v) ? String(v) : /acc|f1|precision|recall/i.test(k) && v <= 1 ? `${(v * 100).toFixed(2)}%` : v.toPrecision(4));
  return (
    <>
      <h4>Training metrics{prov ? ` (job ${prov.job} on ${prov.dataset})` : ''}</h4>
      <table class="metrics" data-testid="training-metrics"><tbody>{Object.entries(m).map(([k, v]) => <tr key={k}><td>{k}</td><td>{fmt(k, v)}</td></tr>)}</tbody></table>
    </>
  );
}

export function Photons() {
  const [list, err] = usePoll(() => api<{ photons: PhotonRow[] }>('GET', 'api/v1/photons'), 10_000);
  const [open, setOpen] = useState<{ key: string; manifest?: Record<string, unknown>; error?: string } | undefined>(undefined);
  const show = (p: PhotonRow): void => {
    const key = `${p.name}@${p.version}`;
    setOpen({ key });
    loadPhoton(p.name, p.version).then((x) => setOpen({ key, manifest: x.manifest })).catch((e: Error) => setOpen({ key, error: e.message }));
  };
  return (
    <section>
      <h2>Photons</h2>
      {err ? <p class="error">{err}</p> : null}
      <table data-testid="photons">
        <thead><tr><th>photon</th><th>size</th><th>created</th><th>sha256</th><th /></tr></thead>
        <tbody>{(list?.photons ?? []).map((p) => (
          <tr key={`${p.name}@${p.version}`}>
            <td>{p.name}@{p.version}</td><td>{(p.bytes / 1024).toFixed(1)} KB</td><td>{p.created.slice(0, 19)}</td>
            <td><code class="hash">{p.sha256}</code></td>
            <td><button type="button" data-testid={`manifest-${p.name}@${p.version}`} onClick={() => show(p)}>Manifest</button></td>
          </tr>
        ))}</tbody>
      </table>
      {open ? (
        <div class="manifest">
          <h3>{open.key}</h3>
          {open.error ? <p class="error">{open.error}</p> : open.manifest ? <><Metrics manifest={open.manifest} /><h4>photon.json</h4><pre>{JSON.stringify(shorten(open.manifest), null, 2)}</pre></> : <p>Loading…</p>}
        </div>
      ) : null}
    </section>
  );
}
