// The job flag parser: forms it takes, mistakes it names, and the flag-string split the pipeline uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeptonError } from '../core/errors.js';
import { parseFlags, posInt, splitFlags, toArgv, type FlagSpec } from './flags.js';
import { parseEpochLine } from './epoch-lines.js';
import { LineSplitter } from './log.js';

const SPECS: FlagSpec[] = [
  { name: '--dataset', value: true, required: true },
  { name: '--epochs', value: true, check: posInt },
  { name: '--augment', value: false },
  { name: '--out', value: true, reserved: 'the job writes its own' },
  { name: '--train', value: true, flagsValue: true },
];

const fails = (args: string[], re: RegExp): void =>
  assert.throws(() => parseFlags('train', args, SPECS), (e: unknown) => e instanceof LeptonError && e.status === 400 && re.test(e.message));

test('flags: value, --flag=value and switches; back to argv in order', () => {
  const f = parseFlags('train', ['--dataset', 'mnist', '--epochs=3', '--augment', '--train', '--lr 1'], SPECS);
  assert.deepEqual([...f], [['--dataset', 'mnist'], ['--epochs', '3'], ['--augment', true], ['--train', '--lr 1']]);
  assert.deepEqual(toArgv(f), ['--dataset', 'mnist', '--epochs', '3', '--augment', '--train', '--lr 1']);
  assert.deepEqual(splitFlags('  --dataset mnist\t--epochs 3 '), ['--dataset', 'mnist', '--epochs', '3']);
});

test('flags: each mistake is a 400 naming the flag', () => {
  fails(['--epochs', '3'], /a train job needs --dataset/);
  fails(['--dataset', 'mnist', '--epochs', '0'], /--epochs must be a positive integer, got "0"/);
  fails(['--dataset', 'mnist', '--epochs'], /--epochs needs a value/);
  fails(['--dataset', 'mnist', '--epochs', '--augment'], /--epochs needs a value/);
  fails(['--dataset', 'mnist', '--augment=yes'], /--augment takes no value/);
  fails(['--dataset', 'mnist', '--dataset', 'x'], /--dataset is given twice/);
  fails(['--dataset', 'mnist', '--nope'], /unknown flag --nope for a train job; known: --dataset --epochs --augment --train/);
  fails(['--dataset', 'mnist', 'stray'], /unexpected argument 'stray'/);
  fails(['--dataset', 'mnist', '--out', '/x'], /--out is set by the job itself \(the job writes its own\)/);
});

test('epoch lines: the trainer’s closing line of an epoch, not its progress lines', () => {
  assert.deepEqual(parseEpochLine('train', 'train epoch 2/5 loss 0.3121 acc 0.9050 test_acc 0.9312 5120 img/s 1.6s'), {
    step: 'train', epoch: 2, epochs: 5, loss: 0.3121, accuracy: 0.905, testAccuracy: 0.9312,
  });
  assert.equal(parseEpochLine('train', 'train epoch 1/5 loss 0.5 acc 0.8 900 img/s 2.0s')?.testAccuracy, null);
  assert.equal(parseEpochLine('train', 'train 12/63 epoch 2/5 loss 0.3121 acc 0.9050 5120 img/s'), undefined);
  assert.equal(parseEpochLine('train', 'mlp on mnist: accuracy 97.71% after 5 epochs'), undefined);
});

test('line splitter: \\n, \\r\\n and bare \\r end lines; a partial line waits for flush', () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  s.push('a\nb\r\nc');
  s.push('d\rprogress 1\rprogress 2\n\ntail');
  assert.deepEqual(lines, ['a', 'b', 'cd', 'progress 1', 'progress 2']);
  s.flush();
  assert.deepEqual(lines.at(-1), 'tail');
});
