// The navigator names its variants with the compression registry's canonical spelling (the CLI's
// 'prune:0.5', not a second 'prune-0.5' form) and stores them under the one file-safe form of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { LeptonError } from '../src/core/errors.js';
import { METHODS, fileSafeName, parseMethod } from '../src/compress/index.js';
import { DEFAULT_VARIANTS, planVariants } from '../src/navigator/index.js';
import { register as registerCompress } from '../src/cli/commands/compress.js';
import { register as registerOptimize } from '../src/cli/commands/optimize.js';

test('default variants are canonical registry names, with the distilled student last', () => {
  const plan = planVariants();
  assert.deepEqual(plan.map((v) => v.name), [...DEFAULT_VARIANTS, 'distill:mlp-64']);
  for (const v of plan) {
    assert.equal(parseMethod(v.name).name, v.name);
    assert.equal(v.method.name, v.name);
    assert.equal(v.file, `${fileSafeName(v.name)}.onnx`);
  }
  assert.deepEqual(plan.map((v) => v.file).slice(3), ['prune_0.5.onnx', 'prune-structured_0.5.onnx', 'distill_mlp-64.onnx']);
});

test('spellings of one method make one variant; null leaves the student out; bad names are INVALID_ARGUMENT', () => {
  assert.deepEqual(planVariants(['prune:0.5', 'prune:.50', 'fp16'], null).map((v) => v.name), ['prune:0.5', 'fp16']);
  assert.deepEqual(planVariants([], 'cnn-8-16').map((v) => v.name), ['distill:cnn-8-16']);
  for (const [variants, student] of [[['int3'], null], [[], 'rnn-3'], [['prune-0.5'], null]] as const) {
    assert.throws(() => planVariants(variants, student), (e: unknown) => e instanceof LeptonError && e.code === 'LEPTON_ERR_INVALID_ARGUMENT');
  }
});

test('lep compress --help and lep optimize --help list every registered method', () => {
  const program = new Command();
  registerCompress(program);
  registerOptimize(program);
  for (const name of ['compress', 'optimize']) {
    const cmd = program.commands.find((c) => c.name() === name)!;
    let help = '';
    cmd.configureOutput({ writeOut: (s) => (help += s) });
    cmd.outputHelp();
    for (const m of METHODS) assert.ok(help.includes(m.usage) && help.includes(m.help), `${name} --help lacks ${m.kind}`);
  }
});
