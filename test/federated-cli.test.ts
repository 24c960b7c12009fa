// `lep fl`: usage mistakes exit 2 with a clear message before anything starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const lep = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fl', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

test('lep fl rejects bad partitions, fractions, DP flags and client slices with exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['simulate', '--out', '/tmp/x', '--partition', 'pathological'], /invalid partition/],
    [['simulate', '--out', '/tmp/x', '--fraction', '1.5'], /--fraction must be in \(0, 1\]/],
    [['simulate', '--out', '/tmp/x', '--dp-clip', '1'], /--dp-clip and --dp-noise go together/],
    [['simulate', '--out', '/tmp/x', '--strategy', 'fedsgd'], /unknown strategy/],
    [['client', '--server', 'http://127.0.0.1:1', '--token', 't', '--partition', '5/2'], /--partition must be i\/N/],
  ];
  for (const [args, message] of cases) {
    const r = lep(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
