// Builds the web console (web/src: Preact views, uPlot charts) into web/dist at install time, with
// esbuild: offline, in well under a second, no CDN at run time. onnxruntime-web is split into its own
// chunk, loaded only when the playground runs a model in the browser. Without esbuild (a production
// install without devDependencies) it exits 0 and `/` says how to build the console.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.log('lepton: esbuild is not installed (production install?); skipping the web console build.');
  process.exit(0);
}
const out = `${root}web/dist`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { main: 'web/src/main.tsx' },
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out,
  chunkNames: 'chunk-[hash]',
  // onnxruntime-web's wasm loader files are served beside the page (/ui/ort/), never bundled
  external: ['*.wasm'],
  logLevel: 'warning',
  legalComments: 'none',
});
copyFileSync(`${root}web/index.html`, `${out}/index.html`);
const require = createRequire(import.meta.url);
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { main: 'web/src/style.css' },
  bundle: true,
  minify: true,
  outdir: out,
  logLevel: 'warning',
  nodePaths: [require.resolve('uplot/dist/uPlot.min.css').replace(/uplot\/dist\/uPlot\.min\.css$/, '')],
});
// the edge export's page: one self-contained script (onnxruntime-web included), no chunks to copy
mkdirSync(`${out}/edge`, { recursive: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { edge: 'web/src/edge.ts' },
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: `${out}/edge`,
  logLevel: 'warning',
  legalComments: 'none',
});
copyFileSync(`${root}web/edge/index.html`, `${out}/edge/index.html`);
copyFileSync(`${root}web/edge/edge.css`, `${out}/edge/edge.css`);
console.log(`lepton: web console built into web/dist in ${Date.now() - started} ms`);
