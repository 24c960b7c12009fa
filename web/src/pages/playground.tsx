// Playground: pick a deployment, give it an input built from its photon's schema — one of the
// photon's own example inputs (its manifest's `examples`), or for an image photon a drawing canvas
// (with a 28×28-style preview at the photon's own size) or an uploaded picture — and see the top class, score, latency and the replica that answered. "Run in this
// browser" downloads the photon's ONNX through the authenticated archive route and runs the same
// tensor with onnxruntime-web, showing the in-browser latency and whether the top class matches.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, call, type Deployment } from '../api.js';
import { loadPhoton } from './photons.js';
import { usePoll } from './overview.js';
import { CANVAS, canvasTensor, drawSample, top, type Image } from '../preprocess.js';

interface TensorSpec { name: string; dtype: string; shape: Array<number | string> }
interface Example { name: string; data: number[]; label?: string }
interface Loaded { ref: string; manifest: { inputs: TensorSpec[]; image?: Image; labels?: string[]; model: string; examples?: Example[] }; model: Uint8Array }

/** Show an example image (the photon's own size, HWC values in [0, 1]) on the drawing canvas, scaled up. */
function showExample(canvas: HTMLCanvasElement, im: Image, data: number[]): void {
  const small = document.createElement('canvas');
  small.width = im.width;
  small.height = im.height;
  const img = small.getContext('2d')!.createImageData(im.width, im.height);
  for (let i = 0; i < im.width * im.height; i++) {
    for (let c = 0; c < 3; c++) img.data[i * 4 + c] = Math.round(255 * Math.min(1, Math.max(0, data[i * im.channels + (im.channels === 1 ? 0 : c)]!)));
    img.data[i * 4 + 3] = 255;
  }
  small.getContext('2d')!.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, CANVAS, CANVAS);
}
interface Answer { label: string; index: number; score: number; ms: number; replica: string; replicaMs: number | undefined }

/** The replica's own time (`server-timing: app;dur=…`: its batch queue and engine), ms. */
function replicaTime(h: string | null): number | undefined {
  const m = h ? /(?:^|,)\s*app;dur=([0-9.]+)/.exec(h) : null;
  return m ? Number(m[1]) : undefined;
}

export function Playground(props: { initial: string }) {
  const [deps] = usePoll(() => api<{ deployments: Deployment[] }>('GET', 'api/v1/deployments'), 10_000);
  const [name, setName] = useState(props.initial);
  const [loaded, setLoaded] = useState<Loaded | undefined>(undefined);
  const [text, setText] = useState('');
  const [server, setServer] = useState<Answer | undefined>(undefined);
  const [local, setLocal] = useState<{ top: ReturnType<typeof top>; ms: number; run: number } | undefined>(undefined);
  const runs = useRef(0);
  const [inBrowser, setInBrowser] = useState(false);
  // the example in use (its exact values are sent); drawing or uploading leaves it
  const [example, setExample] = useState<Example | undefined>(undefined);
  const [error, setError] = useState('');
  const canvas = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const d = deps?.deployments.find((x) => x.spec.name === name) ?? (name === '' ? deps?.deployments[0] : undefined);

  useEffect(() => {
    if (!d) return;
    const ref = d.status.photon;
    if (loaded?.ref === ref) return;
    const [pn, pv] = ref.split('@') as [string, string];
    loadPhoton(pn, pv)
      .then(({ manifest, files }) => {
        const m = manifest as unknown as Loaded['manifest'];
        setLoaded({ ref, manifest: m, model: files.get(m.model)! });
        setExample(undefined);
        const count = m.inputs[0]!.shape.filter((x): x is number => typeof x === 'number').reduce((a, b) => a * b, 1);
        setText(JSON.stringify(Array.from({ length: count }, (_, i) => Math.round(((i % 7) / 7) * 100) / 100)));
      })
      .catch((e: Error) => setError(e.message));
  }, [d?.status.photon]);
  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (ctx) drawSample(ctx);
  }, [loaded?.ref]);

  const input = (): { dims: number[]; data: Float32Array } => {
    const spec = loaded!.manifest.inputs[0]!;
    const data = example && loaded!.manifest.image ? Float32Array.from(example.data)
      : loaded!.manifest.image ? canvasTensor(canvas.current!, loaded!.manifest.image) : Float32Array.from(JSON.parse(text) as number[]);
    const fixed = spec.shape.slice(1).map((x) => (typeof x === 'number' ? x : 1));
    const per = fixed.reduce((a, b) => a * b, 1);
    return { dims: [1, ...(per === data.length ? fixed : [data.length])], data };
  };
  const predict = async (): Promise<void> => {
    setError('');
    setLocal(undefined);
    try {
      const x = input();
      const t0 = performance.now();
      const r = await call('POST', `deployments/${encodeURIComponent(d!.spec.name)}/predict`, { inputs: [Array.from(x.data)] });
      const ms = performance.now() - t0;
      const j = (await r.json()) as { predictions: Array<{ index: number; label: string; score: number }> };
      const p = j.predictions[0]!;
      setServer({ ...p, ms, replica: r.headers.get('x-lepton-replica') ?? '?', replicaMs: replicaTime(r.headers.get('server-timing')) });
      if (inBrowser) {
        const { runInBrowser } = await import('../ort-runner.js');
        const out = await runInBrowser(new URL('ui/ort/', document.baseURI).href, loaded!.ref, loaded!.model, { name: loaded!.manifest.inputs[0]!.name, dims: x.dims, data: x.data });
        setLocal({ top: top(out.scores, loaded!.manifest.labels), ms: out.ms, run: ++runs.current });
      }
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const pos = (e: PointerEvent): [number, number] => {
    const r = canvas.current!.getBoundingClientRect();
    return [((e.clientX - r.left) * CANVAS) / r.width, ((e.clientY - r.top) * CANVAS) / r.height];
  };
  const pick = (i: string): void => {
    const ex = loaded?.manifest.examples?.[Number(i)];
    setExample(ex);
    if (!ex) return;
    if (loaded!.manifest.image) showExample(canvas.current!, loaded!.manifest.image, ex.data);
    else setText(JSON.stringify(ex.data));
  };
  const draw = (e: PointerEvent): void => {
    if (!drawing.current) return;
    setExample(undefined);
    const ctx = canvas.current!.getContext('2d')!;
    const [x, y] = pos(e);
    ctx.fillStyle = '#fff';
    ctx.beginPath();
    ctx.arc(x, y, 10, 0, Math.PI * 2);
    ctx.fill();
  };
  const upload = (e: Event): void => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (!f) return;
    setExample(undefined);
    void createImageBitmap(f).then((bmp) => canvas.current!.getContext('2d')!.drawImage(bmp, 0, 0, CANVAS, CANVAS));
  };
  const match = server && local ? local.top[0]!.index === server.index : undefined;
  return (
    <section class="playground">
      <h2>Playground</h2>
      <label>deployment <select data-testid="deployment" value={d?.spec.name ?? ''} onChange={(e) => { setName((e.target as HTMLSelectElement).value); setServer(undefined); setLocal(undefined); }}>
        {(deps?.deployments ?? []).map((x) => <option key={x.spec.name} value={x.spec.name}>{x.spec.name}</option>)}
      </select></label>
      {loaded ? <p class="note">{loaded.ref} · input {loaded.manifest.inputs[0]!.name} [{loaded.manifest.inputs[0]!.shape.join(', ')}]{loaded.manifest.image ? ` · image ${loaded.manifest.image.width}×${loaded.manifest.image.height}` : ''}</p> : <p>Loading the photon…</p>}
      {loaded?.manifest.examples?.length ? (
        <label>example <select data-testid="examples" value={example ? String(loaded.manifest.examples.indexOf(example)) : ''} onChange={(e) => pick((e.target as HTMLSelectElement).value)}>
          <option value="">{loaded.manifest.image ? '(your drawing)' : '(your input)'}</option>
          {loaded.manifest.examples.map((x, i) => <option key={i} value={String(i)}>{x.name}{x.label !== undefined ? ` → ${x.label}` : ''}</option>)}
        </select></label>
      ) : null}
      {loaded?.manifest.image ? (
        <div class="draw">
          <canvas ref={canvas} width={CANVAS} height={CANVAS} data-testid="canvas"
            onPointerDown={(e) => { drawing.current = true; draw(e); }} onPointerMove={draw} onPointerUp={() => (drawing.current = false)} onPointerLeave={() => (drawing.current = false)} />
          <div class="row">
            <button type="button" onClick={() => { setExample(undefined); const c = canvas.current!.getContext('2d')!; c.fillStyle = '#000'; c.fillRect(0, 0, CANVAS, CANVAS); }}>Clear</button>
            <button type="button" data-testid="sample" onClick={() => { setExample(undefined); drawSample(canvas.current!.getContext('2d')!); }}>Sample digit</button>
            <label class="upload">Upload <input type="file" accept="image/*" onChange={upload} /></label>
          </div>
        </div>
      ) : loaded ? <textarea data-testid="inputs" rows={4} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} /> : null}
      <div class="row">
        <label><input type="checkbox" data-testid="in-browser" checked={inBrowser} onChange={(e) => setInBrowser((e.target as HTMLInputElement).checked)} /> run in this browser too</label>
        <button type="button" data-testid="predict" disabled={!loaded} onClick={() => void predict()}>Predict</button>
      </div>
      {error ? <p class="error" role="alert">{error}</p> : null}
      <div class="answers">
        {server ? (
          <div class="answer" data-testid="server-answer" data-index={server.index} data-ms={server.ms.toFixed(3)} data-replica-ms={server.replicaMs?.toFixed(3) ?? ''}>
            <h4>Server</h4>
            <p class="big">{server.label}</p>
            <p>score {server.score.toFixed(3)} · {server.ms.toFixed(1)} ms round trip{server.replicaMs !== undefined ? ` (${server.replicaMs.toFixed(2)} ms in the replica)` : ''} · replica <code>{server.replica}</code></p>
          </div>
        ) : null}
        {local ? (
          <div class="answer" data-testid="browser-answer" data-index={local.top[0]!.index} data-ms={local.ms.toFixed(3)} data-run={local.run}>
            <h4>This browser <span class={match ? 'ok' : 'bad'} data-testid="match">{match ? 'match' : 'mismatch'}</span></h4>
            <ol>{local.top.map((p) => <li key={p.index}>{p.label} {p.score.toFixed(3)}</li>)}</ol>
            <p>{local.ms.toFixed(2)} ms in onnxruntime-web (wasm)</p>
          </div>
        ) : null}
      </div>
    </section>
  );
}
