// Enforces the layer table of ARCHITECTURE.md: a file may import only from the folders its layer
// allows. Every import in src/ is read (type-only ones too), so a violation fails CI, not review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';

const SRC = resolve(import.meta.dirname, '..', 'src');

const L0 = ['core'];
const L1 = [...L0, 'tensor'];
const L2 = [...L1, 'nn', 'ml', 'data', 'vision'];
const L3 = [...L2, 'onnx', 'parallel'];
const L4 = [...L3, 'runtime'];
const L5 = [...L4, 'compress', 'explain', 'photon'];
const L6 = [...L5, 'serve', 'secure'];

/** folder → the folders it may import from (itself always allowed). Mirrors ARCHITECTURE.md. */
export const ALLOWED: Record<string, string[]> = {
  core: [],
  tensor: L0,
  nn: L1,
  ml: L1,
  data: L1,
  vision: [...L1, 'ml', 'data'],
  onnx: L2,
  // Beside onnx, above nn: process groups, collectives and data-parallel training.
  parallel: L2,
  runtime: L3,
  // Compress uses the runtime Engine (ort or native) to score, calibrate and measure variants.
  compress: L4,
  // Explanations run models through runtime and gradients through the op table (onnx).
  explain: L4,
  photon: L4,
  serve: L5,
  secure: L0,
  gateway: L6,
  deploy: [...L6, 'gateway'],
  jobs: [...L6, 'gateway'],
  // Exports deployments and jobs, so it sits beside them and may read both.
  k8s: [...L6, 'gateway', 'deploy', 'jobs'],
  navigator: [...L6, 'gateway', 'deploy'],
  federated: L6,
  client: L0,
  cli: ['*'],
};

function listTs(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'assembly') continue; // AssemblyScript sources compile to wasm, not imported
      files.push(...listTs(p));
    } else if (name.endsWith('.ts')) files.push(p);
  }
  return files;
}

const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function violations(): string[] {
  const found: string[] = [];
  for (const file of listTs(SRC)) {
    const rel = relative(SRC, file);
    const parts = rel.split(sep);
    if (parts.length < 2) continue; // src/index.ts is the package's public face: it may re-export anything
    const layer = parts[0]!;
    const allowed = ALLOWED[layer];
    if (!allowed) {
      found.push(`${rel}: folder '${layer}' is not in the layer table`);
      continue;
    }
    if (allowed.includes('*')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2];
      if (!spec || !spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(dirname(file), spec));
      if (target.startsWith('..')) {
        found.push(`${rel}: imports '${spec}' outside src/`);
        continue;
      }
      const tparts = target.split(sep);
      const tlayer = tparts.length > 1 ? tparts[0]! : '(root)';
      if (tlayer === layer) continue;
      if (!allowed.includes(tlayer)) found.push(`${rel}: '${layer}' may not import '${tlayer}' ('${spec}')`);
    }
  }
  return found;
}

test('no file imports from a higher layer', () => {
  assert.deepEqual(violations(), []);
});

test('every src folder is in the layer table', () => {
  for (const name of readdirSync(SRC)) {
    if (statSync(join(SRC, name)).isDirectory()) assert.ok(name in ALLOWED, `src/${name} missing from the table`);
  }
});

test('the table itself is acyclic, and compress sits above runtime', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (folder: string, path: string[]): void => {
    if (state.get(folder) === 'done') return;
    assert.notEqual(state.get(folder), 'visiting', `layer cycle: ${[...path, folder].join(' → ')}`);
    state.set(folder, 'visiting');
    for (const dep of ALLOWED[folder] ?? []) if (dep !== '*') visit(dep, [...path, folder]);
    state.set(folder, 'done');
  };
  for (const folder of Object.keys(ALLOWED)) visit(folder, []);
  assert.ok(ALLOWED['compress']!.includes('runtime'), 'compress uses the runtime Engine');
  assert.ok(!ALLOWED['runtime']!.includes('compress'), 'runtime must not depend on compress');
});
