/**
 * The published package (issue 12): `npm pack` this project, install the tarball into a fresh
 * project, and use it there with plain Node — no tsx, no sources. The fresh project's
 * node_modules holds the extracted tarball plus links to this checkout's installed *runtime*
 * dependencies only (package.json `dependencies`; their own dependencies resolve from where the
 * links point), so it runs offline and in seconds, and any runtime use of a devDependency (tsx,
 * typescript) or of a file the tarball leaves out fails here. scripts/run-tests.mjs builds dist/
 * before the tests, and the pack skips scripts (`prepare` would rebuild everything).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackageJson {
  dependencies: Record<string, string>;
  bin: Record<string, string>;
  files: string[];
}

/** Pack, extract into a fresh project, link the runtime dependencies; returns the project folder. */
function freshProject(dir: string): { app: string; entries: string[] } {
  const packed = JSON.parse(execFileSync(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(dir, packed[0]!.filename);
  const app = join(dir, 'app');
  const pkgDir = join(app, 'node_modules', 'lepton-ts');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1']);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as PackageJson;
  for (const dep of Object.keys(pkg.dependencies)) {
    const link = join(app, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), link, 'dir');
  }
  // What npm does with `bin`: a link in node_modules/.bin and the executable bit.
  mkdirSync(join(app, 'node_modules', '.bin'));
  for (const [name, file] of Object.entries(pkg.bin)) {
    chmodSync(join(pkgDir, file), 0o755);
    symlinkSync(join('..', 'lepton-ts', file), join(app, 'node_modules', '.bin', name));
  }
  return { app, entries: packed[0]!.files.map((f) => f.path) };
}

function node(app: string, file: string, source: string): string {
  writeFileSync(join(app, file), source);
  const r = spawnSync(process.execPath, [file], { cwd: app, encoding: 'utf8', timeout: 60_000, env: { ...process.env, LEPTON_LOG_LEVEL: 'silent', NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, `node ${file} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('the packed tarball installs into a fresh project and works in plain Node', { timeout: 240_000 }, async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist', 'index.js')), 'dist/ is built (scripts/run-tests.mjs runs tsc -b first)');
  const dir = mkdtempSync(join(tmpdir(), 'lepton-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { app, entries } = freshProject(dir);

  await t.test('the tarball ships dist (JS + .d.ts), bin, the wasm kernels and the README; no sources or tests', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/client/index.js', 'dist/client/index.d.ts', 'dist/cli/main.js', 'dist/serve/replica-main.js', 'bin/lep.js', 'build/lepton-kernels.wasm', 'README.md', 'package.json']) {
      assert.ok(entries.includes(f), `${f} is in the tarball`);
    }
    const stray = entries.filter((f) => f.startsWith('src/') || f.startsWith('test/') || /\.test\.(ts|js|d\.ts)$/.test(f) || f.endsWith('.tsbuildinfo') || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    assert.deepEqual(stray, []);
  });

  await t.test('plain node imports { nn, tensor } from lepton-ts and trains XOR on the shipped wasm kernels', () => {
    const outText = node(app, 'xor.mjs', `
      import { nn, tensor, core } from 'lepton-ts';
      const rng = new core.Rng(1);
      const hidden = new nn.Linear(2, 2, { rng });
      const out = new nn.Linear(2, 1, { rng });
      nn.xavierUniform(hidden.weight, rng, 5 / 3);
      const net = new nn.Sequential(hidden, new nn.Tanh(), out, new nn.Sigmoid());
      const opt = new nn.SGD(net.parameters(), { lr: 0.5, momentum: 0.9 });
      const x = new tensor.Tensor(Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]);
      const y = Float32Array.from([0, 1, 1, 0]);
      let loss = NaN;
      for (let step = 0; step < 2000; step++) {
        const l = nn.binaryCrossEntropyLoss(net.forward(x), y);
        opt.zeroGrad(); l.backward(); opt.step(); loss = l.item();
      }
      const predictions = tensor.noGrad(() => net.forward(x).toArray());
      console.log(JSON.stringify({ loss, predictions, backends: tensor.availableBackends() }));
    `);
    const r = JSON.parse(outText) as { loss: number; predictions: number[]; backends: string[] };
    assert.deepEqual(r.predictions.map((p) => Math.round(p)), [0, 1, 1, 0], `predictions ${r.predictions.join(', ')}`);
    assert.ok(r.loss < 0.05, `loss ${r.loss}`);
    assert.ok(r.backends.includes('wasm'), `the wasm kernels load from the package's build/ (backends: ${r.backends.join(', ')})`);
  });

  await t.test('lepton-ts/client imports on its own', () => {
    const r = JSON.parse(node(app, 'client.mjs', `
      import * as client from 'lepton-ts/client';
      const c = new client.Client('http://127.0.0.1:9');
      console.log(JSON.stringify({ Client: typeof client.Client, PlatformClient: typeof client.PlatformClient, err: new client.LeptonError('LEPTON_ERR_NOT_FOUND', 'x').code, c: typeof c }));
    `)) as Record<string, string>;
    assert.deepEqual(r, { Client: 'function', PlatformClient: 'function', err: 'LEPTON_ERR_NOT_FOUND', c: 'object' });
  });

  await t.test('the .d.ts files type-check a consumer through the exports map', () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['use.ts'] }));
    writeFileSync(join(app, 'use.ts'), [
      "import { nn, tensor } from 'lepton-ts';",
      "import { Client } from 'lepton-ts/client';",
      "import { Linear } from 'lepton-ts/nn';",
      'const l: nn.Linear = new Linear(2, 3);',
      'const y: tensor.Tensor = l.forward(new tensor.Tensor(new Float32Array(2), [1, 2]));',
      "export const shape: readonly number[] = y.shape;",
      "export const c: Client = new Client('http://127.0.0.1:9');",
      '// @ts-expect-error a wrong argument type must be caught, or the types are any',
      "export const bad = new Linear('2', 3);",
    ].join('\n'));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `tsc in the fresh project:\n${r.stdout}${r.stderr}`);
  });

  await t.test('lep runs from node_modules/.bin and through npx, with plain node', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const bin = spawnSync(join(app, 'node_modules', '.bin', 'lep'), ['--version'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
    assert.equal(bin.status, 0, bin.stderr);
    assert.equal(bin.stdout.trim(), version);
    const npx = spawnSync(NPM, ['exec', '--offline', '--', 'lep', '--version'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    assert.equal(npx.status, 0, npx.stderr);
    assert.equal(npx.stdout.trim(), version);
  });

  await t.test('a replica started from the package runs dist/ with plain node and serves a model', (st) => {
    const r = JSON.parse(node(app, 'replica.mjs', `
      import { writeFileSync } from 'node:fs';
      import { nn, exportOnnx, serve } from 'lepton-ts';
      const model = new nn.Sequential(new nn.Linear(4, 3));
      writeFileSync('tiny.onnx', exportOnnx(model, { inputShape: [4] }));
      const spawn = serve.replicaSpawn({ modelFile: 'tiny.onnx', docs: false });
      const started = performance.now();
      const replica = serve.launchReplica(spawn, { readyTimeoutMs: 30000 });
      try {
        const ready = await replica.ready;
        const readyMs = performance.now() - started;
        const health = await fetch(ready.url + '/v2/health/ready');
        console.log(JSON.stringify({ args: spawn.args.slice(0, -1), readyMs, health: health.status }));
      } finally {
        await replica.stop();
      }
    `)) as { args: string[]; readyMs: number; health: number };
    assert.equal(r.args.length, 1, `no loader flags: ${r.args.join(' ')}`);
    assert.match(r.args[0]!, /node_modules\/lepton-ts\/dist\/serve\/replica-main\.js$/);
    assert.equal(r.health, 200);
    st.diagnostic(`replica ready ${Math.round(r.readyMs)} ms after spawn (tiny model, load average ${loadavg()[0]!.toFixed(1)})`);
  });
});
