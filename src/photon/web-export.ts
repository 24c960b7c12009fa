/**
 * Edge export (`lep photon export --web DIR NAME[@V]`, issue 18): one photon as a static folder that
 * runs offline in any modern browser — index.html and edge.js (built from web/src/edge.ts at
 * install), the photon's manifest (schema, labels, image preprocessing) and model, and
 * onnxruntime-web's WebAssembly files. Any static file server (or a phone's local web server, or
 * a kiosk's file share) can serve it; nothing is fetched from elsewhere.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LeptonError } from '../core/errors.js';
import { MANIFEST_FILE, type PhotonManifest } from './manifest.js';

/** The built edge page (web/dist/edge) and onnxruntime-web's wasm files. */
const EDGE_DIR = fileURLToPath(new URL('../../web/dist/edge/', import.meta.url));
const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

export interface WebExportResult {
  dir: string;
  files: string[];
}

/** Write `photon` (its manifest and files) as a static web folder into `dir` (created; must be empty if it exists). */
export function exportWeb(dir: string, photon: { manifest: PhotonManifest; files: Map<string, Uint8Array> }): WebExportResult {
  if (!existsSync(join(EDGE_DIR, 'edge.js'))) {
    throw new LeptonError('LEPTON_ERR_NOT_FOUND', `the edge page is not built (${EDGE_DIR}): run node scripts/build-web.mjs (npm install does)`);
  }
  let ortDir: string;
  try {
    ortDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_NOT_FOUND', 'onnxruntime-web is not installed; the web export needs its wasm files', { cause: err });
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new LeptonError('LEPTON_ERR_CONFLICT', `${dir} is not empty; pick a new folder`);
  mkdirSync(join(dir, 'ort'), { recursive: true });
  const written: string[] = [];
  for (const f of ['index.html', 'edge.js', 'edge.css']) {
    copyFileSync(join(EDGE_DIR, f), join(dir, f));
    written.push(f);
  }
  for (const f of ORT_FILES) {
    copyFileSync(join(ortDir, f), join(dir, 'ort', f));
    written.push(`ort/${f}`);
  }
  const model = photon.files.get(photon.manifest.model);
  if (!model) throw new LeptonError('LEPTON_ERR_INTEGRITY', `photon ${photon.manifest.name}@${photon.manifest.version} has no model file '${photon.manifest.model}'`);
  // the manifest's paths are already checked (no `..`, no absolute paths)
  mkdirSync(dirname(join(dir, photon.manifest.model)), { recursive: true });
  writeFileSync(join(dir, photon.manifest.model), model);
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(photon.manifest, null, 2)}\n`);
  written.push(photon.manifest.model, MANIFEST_FILE);
  return { dir, files: written };
}
