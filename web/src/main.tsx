// The web console's shell: who is signed in (or the login form), the navigation, and a hash router
// (the document stays at the page's own URL, so every request URL can stay relative).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrf, type Me } from './api.js';
import { stop } from './live.js';
import { Overview } from './pages/overview.js';
import { DeploymentPage } from './pages/deployment.js';
import { Photons } from './pages/photons.js';
import { Playground } from './pages/playground.js';
import { Tokens } from './pages/tokens.js';
import { Jobs } from './pages/jobs.js';
import { Reports } from './pages/reports.js';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = (): void => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Login(props: { onIn: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      const me = await api<Me>('POST', 'api/v1/session', { token });
      setCsrf(me.csrf);
      props.onIn(me);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That token was not accepted.' : String((err as Error).message));
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>Lepton</h1>
      <p>Sign in with a token (the admin token is printed by <code>lep up</code> on its first start).</p>
      <input name="token" type="password" autocomplete="off" placeholder="lep_…" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
      <button type="submit">Sign in</button>
      {error ? <p class="error" role="alert">{error}</p> : null}
    </form>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const hash = useHash();
  useEffect(() => {
    api<Me>('GET', 'api/v1/session')
      .then((m) => {
        setCsrf(m.csrf);
        setMe(m);
      })
      .catch((err: unknown) => {
        // no security wiring at all (embedded use): everything is allowed
        if (err instanceof ApiError && err.status === 404) setMe({ name: 'local', scopes: ['admin'] });
        else setMe(null);
      });
  }, []);
  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null) return <Login onIn={setMe} />;
  const logout = async (): Promise<void> => {
    await api('DELETE', 'api/v1/session').catch(() => undefined);
    setCsrf(undefined);
    stop();
    setMe(null);
  };
  const [, page, arg] = /^#\/([a-z]*)\/?(.*)$/.exec(hash) ?? [];
  const name = decodeURIComponent(arg ?? '');
  let view;
  if (page === 'deployment' && name) view = <DeploymentPage me={me} name={name} />;
  else if (page === 'photons') view = <Photons />;
  else if (page === 'playground') view = <Playground initial={name} />;
  else if (page === 'tokens') view = <Tokens />;
  else if (page === 'jobs') view = <Jobs me={me} />;
  else if (page === 'reports') view = <Reports />;
  else view = <Overview />;
  const link = (href: string, label: string, current: boolean) => <a href={href} class={current ? 'current' : ''}>{label}</a>;
  return (
    <div class="shell">
      <header>
        <strong>Lepton</strong>
        <nav>
          {link('#/', 'Overview', !page)}
          {link('#/photons', 'Photons', page === 'photons')}
          {link('#/playground', 'Playground', page === 'playground')}
          {link('#/jobs', 'Jobs', page === 'jobs')}
          {link('#/reports', 'Reports', page === 'reports')}
          {me.scopes.includes('admin') ? link('#/tokens', 'Tokens', page === 'tokens') : null}
        </nav>
        <span class="who" data-testid="who">{me.name} · {me.scopes.join(', ')}</span>
        <button type="button" class="link" onClick={logout}>Log out</button>
      </header>
      <main>{view}</main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
