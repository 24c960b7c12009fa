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
            <td><button type="button" onClick={() => show(p)}>Manifest</button></td>
          </tr>
        ))}</tbody>
      </table>
      {open ? (
        <div class="manifest">
          <h3>{open.key}</h3>
          {open.error ? <p class="error">{open.error}</p> : open.manifest ? <pre>{JSON.stringify(open.manifest, null, 2)}</pre> : <p>Loading…</p>}
        </div>
      ) : null}
    </section>
  );
}
