/**
 * The command table that lets `lep` import only the command being run (issue 12): its names,
 * aliases and summaries must agree with what each command file registers, and `lep --help` /
 * `lep --version` must load no package but commander (no engine, server or native binding).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { COMMANDS, commandWord, findCommand } from './command-index.js';

test('each table entry matches the command its module registers', async () => {
  for (const entry of COMMANDS) {
    const program = new Command();
    (await entry.load()).register(program);
    assert.equal(program.commands.length, 1, `${entry.name}: one top-level command per file`);
    const c = program.commands[0]!;
    assert.equal(c.name(), entry.name);
    assert.deepEqual(c.aliases(), [...(entry.aliases ?? [])], `${entry.name} aliases`);
    assert.equal(c.description(), entry.summary, `${entry.name} summary`);
  }
});

test('every command file in commands/ is in the table (a new one must be added there, or lep never loads it)', async () => {
  const dir = new URL('./commands/', import.meta.url);
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  for (const f of readdirSync(dir).filter((n) => n.endsWith(ext) && !n.includes('.test.'))) {
    const mod = (await import(new URL(f, dir).href)) as { register?: (p: Command) => void };
    if (typeof mod.register !== 'function') continue;
    const program = new Command();
    mod.register(program);
    for (const c of program.commands) assert.ok(findCommand(c.name()), `commands/${f} registers '${c.name()}', which COMMANDS in command-index.ts lacks`);
  }
});

test('the command word is the first non-option argument, or the one after help', () => {
  assert.equal(commandWord(['train', '--epochs', '5']), 'train');
  assert.equal(commandWord(['--help']), undefined);
  assert.equal(commandWord(['help', 'photon']), 'photon');
  assert.equal(findCommand('tokens')?.name, 'token');
  assert.equal(findCommand('nope'), undefined);
});

test('lep --version and lep --help load commander and nothing else from node_modules', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lep-lazy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A module hook that prints every package a load comes from.
  writeFileSync(join(dir, 'hooks.mjs'), `export async function load(url, context, next) {
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url);
    if (m) process.stderr.write('PKG ' + m[1] + '\\n');
    return next(url, context);
  }`);
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`);
  const bin = fileURLToPath(new URL('../../bin/lep.js', import.meta.url));
  for (const flag of ['--version', '--help']) {
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, bin, flag], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const pkgs = new Set([...r.stderr.matchAll(/^PKG (\S+)$/gm)].map((m) => m[1]));
    assert.deepEqual([...pkgs], ['commander'], `lep ${flag} loaded ${[...pkgs].join(', ')}`);
  }
});
