// `simulate`: real server and HTTP clients in worker threads on mnist-small; metrics.json and the
// chart are written, DP is reported, and a second call on the same folder resumes the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulate, type SimulateOptions, type SimulationMetrics } from '../src/federated/simulate.js';

test('simulate writes metrics and charts, reports DP, and resumes from its checkpoint', async () => {
  const out = mkdtempSync(join(tmpdir(), 'fl-sim-'));
  try {
    const base: SimulateOptions = {
      clients: 6,
      fraction: 0.5,
      epochs: 1,
      batchSize: 20,
      lr: 0.1,
      partition: { kind: 'dirichlet', alpha: 0.5 },
      rounds: 2,
      dataset: 'mnist-small',
      arch: 'mlp',
      limitTrain: 1200,
      out,
      target: 0.5,
      dp: { clip: 5, noise: 0.01 },
    };
    const lines: string[] = [];
    const m = await simulate({ ...base, onProgress: (l) => lines.push(l) });
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^round 1\/2: acc \d+\.\d+%/);
    const saved = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as SimulationMetrics;
    assert.equal(saved.rounds.length, 2);
    // start-up is reported on its own, and each round carries its evaluation time apart from its own
    assert.ok(saved.startupSeconds > 0 && saved.startupSeconds <= saved.seconds);
    assert.ok(saved.rounds.every((r) => typeof r.evalSeconds === 'number' && r.evalSeconds >= 0));
    assert.ok(Math.abs(saved.evalSecondsPerRound - (saved.rounds[0]!.evalSeconds! + saved.rounds[1]!.evalSeconds!) / 2) < 1e-9);
    assert.ok(saved.rounds.every((r) => r.clients === 3 && r.dpNoiseMultiplier === 0.01 && Math.abs(r.dpNoiseStd! - (0.01 * 5) / 3) < 1e-12));
    assert.deepEqual(saved.dp, { clip: 5, noiseMultiplier: 0.01 });
    assert.ok(m.bytes.perClientPerRound > 4 * 101_770, 'each update carries at least the raw weights');
    assert.equal(saved.roundsToTarget, saved.rounds.find((r) => r.accuracy! >= 0.5)?.round ?? null);
    assert.deepEqual([...readFileSync(join(out, 'accuracy.png')).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.match(readFileSync(join(out, 'accuracy.svg'), 'utf8'), /<polyline/);
    const again = await simulate({ ...base, rounds: 3 });
    assert.deepEqual(again.rounds.map((r) => r.round), [1, 2, 3]);
    assert.deepEqual(again.rounds[1], saved.rounds[1], 'rounds 1-2 come from the checkpoint, not rerun');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
