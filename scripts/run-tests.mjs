// Runs every *.test.ts under src/ and test/ with node:test through tsx.
// Node 20's runner takes no globs, so the files are listed here. Pass paths or substrings to filter.
// It first brings dist/ up to date (scripts/build-dist.mjs: `tsc -b`, about a second when nothing changed): tests that
// spawn bin/lep.js run the compiled CLI, and must never run a stale one.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
}
for (const d of ['src', 'test']) walk(join(root, d));
const filters = process.argv.slice(2);
const chosen = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (chosen.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const build = spawnSync(process.execPath, [join(root, 'scripts/build-dist.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) console.error('run-tests: the dist/ build (tsc -b tsconfig.build.json) reported errors; dist/ was still written, the tests go on');
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...chosen];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: { ...process.env, LEPTON_LOG_LEVEL: process.env.LEPTON_LOG_LEVEL ?? 'silent' } });
process.exit(r.status ?? 1);
