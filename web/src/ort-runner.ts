// The in-browser runner: onnxruntime-web's WebAssembly build (SIMD; threads only when the page is
// cross-origin isolated), loaded on demand as its own chunk, its wasm files served by the console
// under ui/ort/. Nothing here leaves the browser.
import * as ort from 'onnxruntime-web/wasm';

const sessions = new Map<string, ort.InferenceSession>();

export async function runInBrowser(wasmBase: string, key: string, model: Uint8Array, input: { name: string; dims: number[]; data: Float32Array }): Promise<{ scores: Float32Array; ms: number }> {
  ort.env.wasm.wasmPaths = wasmBase;
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  let s = sessions.get(key);
  if (!s) {
    s = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
    sessions.set(key, s);
  }
  const t0 = performance.now();
  const out = await s.run({ [input.name]: new ort.Tensor('float32', input.data, input.dims) });
  const ms = performance.now() - t0;
  const first = out[s.outputNames[0]!]!;
  return { scores: Float32Array.from(first.data as Float32Array), ms };
}
