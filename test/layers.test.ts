// Enforces the layer table of ARCHITECTURE.md: a file may import only from the folders its layer
// allows. Every import in src/ is read (type-only ones too), so a violation fails CI, not review.
// Starting the CLI as a child process is a dependency on it too, one no import shows: below the
// CLI, no string literal may name the `lep` binary or the CLI's main module.
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
  // A replica process decrypts the photon it serves (secure/key-ring.ts); secure needs only core.
  serve: [...L5, 'secure'],
  secure: L0,
  gateway: L6,
  // The composition root wires the jobs service (jobs sit below deploy and reach it through DeployTarget).
  deploy: [...L6, 'gateway', 'jobs'],
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

/**
 * The string literals of a TypeScript source, comments skipped (a comment may name bin/lep.js),
 * with runs of literals separated only by commas joined by '/', so `join(root, 'bin', 'lep.js')`
 * reads as `bin/lep.js`.
 */
export function stringLiterals(text: string): string[] {
  const found: string[] = [];
  let run: string[] = [];
  let i = 0;
  const flush = (): void => {
    if (run.length > 1) found.push(run.join('/'));
    run = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) break;
      i += 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let body = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') j++;
        body += text[j] ?? '';
        j++;
      }
      found.push(body);
      run.push(body);
      i = j + 1;
      continue;
    } else if (c !== ',' && !/\s/.test(c)) flush();
    i++;
  }
  flush();
  return found;
}

/** Literals in `text` that name the CLI's binary or main module (a spawn of the CLI from below it). */
export function cliReferences(text: string): string[] {
  return stringLiterals(text).filter((s) => /(^|[/\\])bin\/lep(\.[cm]?[jt]s)?\b|(^|[/\\])cli\/main(\.[jt]s)?\b/.test(s));
}

/** Files below the CLI layer that name the CLI binary or main module in a string. */
export function cliSpawnsBelowCli(): string[] {
  const found: string[] = [];
  for (const file of listTs(SRC)) {
    const rel = relative(SRC, file);
    if (rel.split(sep)[0] === 'cli') continue;
    for (const s of cliReferences(readFileSync(file, 'utf8'))) found.push(`${rel}: names the CLI ('${s}'); start replicas through serve/replica-launcher.ts`);
  }
  return found;
}

test('no file imports from a higher layer', () => {
  assert.deepEqual(violations(), []);
});

test('nothing below the CLI starts the CLI as a process', () => {
  assert.deepEqual(cliSpawnsBelowCli(), []);
});

test('the CLI-spawn check finds the binary or main module in spawn arguments and URLs, not in comments', () => {
  // What deploy/control-plane.ts did before the replica launcher: layer 7 running `lep photon run`.
  const before = [
    "const BIN = fileURLToPath(new URL('../../bin/lep.js', import.meta.url));",
    'export function defaultReplicaCommand(home: string, threads = 1): ReplicaCommand {',
    "  return ({ photon, port }) => ({ command: process.execPath, args: [BIN, 'photon', 'run', '--name', photon, '--port', String(port)] });",
    '}',
  ].join('\n');
  assert.deepEqual(cliReferences(before), ['../../bin/lep.js']);
  const namesCli = (code: string): boolean => cliReferences(code).length > 0;
  assert.ok(namesCli("spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'photon', 'run']);"));
  assert.ok(namesCli('fork(`${root}/src/cli/main.ts`, args);'));
  assert.ok(namesCli("spawn(process.execPath, [join(ROOT, 'bin', 'lep.js'), 'up']);"));
  assert.ok(namesCli('execFile("node", ["../bin/lep", "up"]);'));
  // Naming the CLI in prose is fine; so are unrelated paths.
  assert.deepEqual(cliReferences('// bin/lep.js takes the lifeline first\n/* then src/cli/main.ts */\nconst u = "http://x/cli/mainly";'), []);
  assert.deepEqual(cliReferences("const ENTRY = new URL('./replica-main.ts', import.meta.url); const d = 'a/bin/lepton';"), []);
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
