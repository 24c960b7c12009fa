// The edge export's page (`lep photon export --web DIR NAME[@V]`): a static folder that runs one
// photon offline in any modern browser — photon.json (schema, labels, preprocessing), the ONNX
// model and onnxruntime-web's wasm files beside this script. No server, no framework: plain DOM.
import { runInBrowser } from './ort-runner.js';
import { CANVAS, canvasTensor, drawSample, top, type Image } from './preprocess.js';

interface Manifest { name: string; version: string; model: string; inputs: Array<{ name: string; shape: Array<number | string> }>; image?: Image; labels?: string[] }

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

async function main(): Promise<void> {
  const manifest = (await (await fetch('photon.json')).json()) as Manifest;
  const model = new Uint8Array(await (await fetch(manifest.model)).arrayBuffer());
  const spec = manifest.inputs[0]!;
  $('title').textContent = `${manifest.name}@${manifest.version}`;
  const canvas = $<HTMLCanvasElement>('canvas');
  const text = $<HTMLTextAreaElement>('inputs');
  const ctx = canvas.getContext('2d')!;
  if (manifest.image) {
    canvas.width = CANVAS;
    canvas.height = CANVAS;
    drawSample(ctx);
    text.hidden = true;
    let down = false;
    const at = (e: PointerEvent): void => {
      if (!down) return;
      const r = canvas.getBoundingClientRect();
      ctx.fillStyle = '#fff';
      ctx.beginPath();
      ctx.arc(((e.clientX - r.left) * CANVAS) / r.width, ((e.clientY - r.top) * CANVAS) / r.height, 10, 0, Math.PI * 2);
      ctx.fill();
    };
    canvas.onpointerdown = (e) => { down = true; at(e); };
    canvas.onpointermove = at;
    canvas.onpointerup = () => (down = false);
    $('clear').onclick = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, CANVAS, CANVAS); };
    $('sample').onclick = () => drawSample(ctx);
    $<HTMLInputElement>('upload').onchange = (e) => {
      const f = (e.target as HTMLInputElement).files?.[0];
      if (f) void createImageBitmap(f).then((b) => ctx.drawImage(b, 0, 0, CANVAS, CANVAS));
    };
  } else {
    $('draw').hidden = true;
    const n = spec.shape.filter((x): x is number => typeof x === 'number').reduce((a, b) => a * b, 1);
    text.value = JSON.stringify(Array.from({ length: n }, () => 0.5));
  }
  const predict = $<HTMLButtonElement>('predict');
  predict.disabled = false;
  predict.onclick = async () => {
    const data = manifest.image ? canvasTensor(canvas, manifest.image) : Float32Array.from(JSON.parse(text.value) as number[]);
    const fixed = spec.shape.slice(1).map((x) => (typeof x === 'number' ? x : 1));
    const dims = [1, ...(fixed.reduce((a, b) => a * b, 1) === data.length ? fixed : [data.length])];
    const out = await runInBrowser(new URL('ort/', document.baseURI).href, 'model', model, { name: spec.name, dims, data });
    const best = top(out.scores, manifest.labels);
    const answer = $('answer');
    answer.dataset['index'] = String(best[0]!.index);
    answer.textContent = `${best.map((p) => `${p.label} ${p.score.toFixed(3)}`).join(' · ')} — ${out.ms.toFixed(2)} ms in this browser`;
  };
}

main().catch((e: Error) => {
  $('answer').textContent = `error: ${e.message}`;
});
