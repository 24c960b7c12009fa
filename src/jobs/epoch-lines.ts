/**
 * Per-epoch metrics from a training process's output, while it runs: the trainer closes each epoch
 * with one line (nn/trainer.ts, through the CLI's progress sink):
 *   `train epoch 2/5 loss 0.3121 acc 0.9050 test_acc 0.9312 5120 img/s 1.6s`
 * In-epoch progress lines (`train 12/63 epoch 2/5 …`, no duration) do not match. When the process
 * ends, the trainer's metrics.json replaces these points (kinds/train.ts).
 */
import { type EpochPoint } from './types.js';

const EPOCH_LINE = /^(?:\S+ )?epoch (\d+)\/(\d+) loss (\S+) acc (\S+)(?: test_acc (\S+))? \d+ img\/s [\d.]+s$/;

export function parseEpochLine(step: string, line: string): EpochPoint | undefined {
  const m = EPOCH_LINE.exec(line.trim());
  if (!m) return undefined;
  return {
    step,
    epoch: Number(m[1]),
    epochs: Number(m[2]),
    loss: Number(m[3]),
    accuracy: Number(m[4]),
    testAccuracy: m[5] === undefined ? null : Number(m[5]),
  };
}
