// The form that launches a train job: the common `lep train` settings, sent as the job's flags to
// POST /api/v1/jobs (deploy scope; the server checks every flag again). Only a token that may
// deploy sees it; a read token gets the list alone.
import { useState } from 'preact/hooks';
import { api } from '../api.js';

const DATASETS = ['mnist-small', 'mnist', 'fashion-mnist'];
const ARCHS = ['mlp', 'cnn', 'mobilenet-mini'];
const OPTIMIZERS = ['adam', 'sgd', 'rmsprop']; // as src/jobs/kinds/train.ts names them (the server checks)

export function LaunchTrain(props: { onLaunched: (id: string) => void }) {
  const [f, setF] = useState({ name: '', dataset: 'mnist-small', arch: 'mlp', epochs: '2', lr: '0.001', optimizer: 'adam', seed: '0', photon: '' });
  const [msg, setMsg] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    const args = ['--dataset', f.dataset, '--arch', f.arch, '--epochs', f.epochs, '--lr', f.lr, '--optimizer', f.optimizer, '--seed', f.seed, ...(f.photon ? ['--photon', f.photon] : [])];
    try {
      const job = await api<{ id: string }>('POST', 'api/v1/jobs', { kind: 'train', ...(f.name ? { name: f.name } : {}), args });
      setMsg(`launched ${job.id}`);
      props.onLaunched(job.id);
    } catch (err) {
      setMsg(`refused: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const select = (k: keyof typeof f, options: string[]) => <select name={k} value={f[k]} onChange={set(k)}>{options.map((o) => <option key={o} value={o}>{o}</option>)}</select>;
  return (
    <form class="form" data-testid="launch" onSubmit={(e) => void submit(e)}>
      <label>name <input name="name" value={f.name} placeholder="train" onInput={set('name')} /></label>
      <label>dataset {select('dataset', DATASETS)}</label>
      <label>architecture {select('arch', ARCHS)}</label>
      <label>epochs <input name="epochs" type="number" min="1" max="1000" value={f.epochs} onInput={set('epochs')} /></label>
      <label>learning rate <input name="lr" value={f.lr} onInput={set('lr')} /></label>
      <label>optimizer {select('optimizer', OPTIMIZERS)}</label>
      <label>seed <input name="seed" type="number" min="0" value={f.seed} onInput={set('seed')} /></label>
      <label>register as photon <input name="photon" value={f.photon} placeholder="(none)" onInput={set('photon')} /></label>
      <button type="submit" disabled={busy} data-testid="launch-submit">Launch train job</button>
      {msg ? <p class="note" data-testid="launch-result">{msg}</p> : null}
    </form>
  );
}
