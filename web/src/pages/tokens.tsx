// Tokens (admin): list, create (the token text is shown once, here, and never again), revoke.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { usePoll } from './overview.js';

interface TokenRow { id: string; name: string; scopes: string[]; status: string; createdAt: number; expiresAt: number | null }

const when = (ms: number | null): string => (ms === null ? 'never' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));

export function Tokens() {
  const [list, err, reload] = usePoll(() => api<{ tokens: TokenRow[] }>('GET', 'api/v1/tokens'), 10_000);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState('read');
  const [made, setMade] = useState<string | undefined>(undefined);
  const [msg, setMsg] = useState('');
  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const r = await api<{ token: string }>('POST', 'api/v1/tokens', { name, scopes: scopes.split(/[ ,]+/).filter((s) => s !== '') });
      setMade(r.token);
      setMsg('');
      reload();
    } catch (x) {
      setMsg((x as Error).message);
    }
  };
  const revoke = async (t: TokenRow): Promise<void> => {
    if (!window.confirm(`Revoke token ${t.name}?`)) return;
    await api('DELETE', `api/v1/tokens/${encodeURIComponent(t.id)}`).catch((x: Error) => setMsg(x.message));
    reload();
  };
  return (
    <section>
      <h2>Tokens</h2>
      {err ? <p class="error">{err}</p> : null}
      <form class="row" onSubmit={create}>
        <input placeholder="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <input placeholder="scopes: read, deploy, admin, infer:NAME" value={scopes} onInput={(e) => setScopes((e.target as HTMLInputElement).value)} />
        <button type="submit">Create</button>
      </form>
      {made ? <p class="once">New token (shown once, copy it now): <code data-testid="new-token">{made}</code></p> : null}
      {msg ? <p class="error">{msg}</p> : null}
      <table>
        <thead><tr><th>id</th><th>name</th><th>scopes</th><th>status</th><th>created</th><th>expires</th><th /></tr></thead>
        <tbody>{(list?.tokens ?? []).map((t) => (
          <tr key={t.id}><td><code>{t.id}</code></td><td>{t.name}</td><td>{t.scopes.join(', ')}</td><td>{t.status}</td><td>{when(t.createdAt)}</td><td>{when(t.expiresAt)}</td>
            <td>{t.status === 'active' ? <button type="button" class="danger" onClick={() => void revoke(t)}>Revoke</button> : null}</td></tr>
        ))}</tbody>
      </table>
    </section>
  );
}
