/**
 * The explanation worker thread (started by worker-pool.ts): loads the model once, then answers
 * one request at a time. Attributions are CPU-bound for tens to hundreds of milliseconds, so they
 * run here and not on the server's event loop, where they would stall every prediction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LeptonError } from '../core/errors.js';
import { type Differentiable } from './differentiable.js';
import { argmax, explanationJson, type ExplainOptions } from './index.js';
import { explainerForOnnx, explainWithPicture, imageSample, numericSample, type ImageSpec } from './prepare.js';

export interface WorkerInit {
  model: Uint8Array;
  image?: ImageSpec;
  limitInputPixels?: number;
}

export interface WorkerRequest {
  id: number;
  input: { kind: 'image'; bytes: Uint8Array } | { kind: 'numbers'; value: unknown };
  options: ExplainOptions;
}

export type WorkerReply = { id: number; ok: true; result: Record<string, unknown> } | { id: number; ok: false; code: string; message: string };

const init = workerData as WorkerInit;
let model: Differentiable | null = null;

async function handle(req: WorkerRequest): Promise<Record<string, unknown>> {
  model ??= explainerForOnnx(init.model, init.image);
  const x = req.input.kind === 'image' ? await imageSample(model, req.input.bytes, init.image, init.limitInputPixels) : numericSample(model, req.input.value);
  const t0 = performance.now();
  const { explanation, png } = await explainWithPicture(model, x, req.options);
  return { top: argmax(explanation.scores), ...explanationJson(explanation), heatmap_png: png ? png.toString('base64') : null, seconds: (performance.now() - t0) / 1000 };
}

parentPort!.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (result) => parentPort!.postMessage({ id: req.id, ok: true, result } satisfies WorkerReply),
    (err: unknown) => {
      const e = err instanceof LeptonError ? err : new LeptonError('LEPTON_ERR_INTERNAL', `explanation failed: ${(err as Error).message}`);
      parentPort!.postMessage({ id: req.id, ok: false, code: e.code, message: e.message } satisfies WorkerReply);
    },
  );
});
