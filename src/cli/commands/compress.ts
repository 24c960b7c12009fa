/**
 * `lep compress`: build a quantized, pruned or distilled variant of an ONNX model, measure it against
 * the original on the dataset's test split, and write DIR2/model.onnx, report.json and report.md.
 */
import { readFileSync, existsSync } from 'node:fs';
import { type Command } from 'commander';
import { invalidArgument, LeptonError } from '../../core/errors.js';
import { StreamProgress } from '../../core/progress.js';
import { compressModel, parseMethod, reportMarkdown, writeCompressOutput, METHOD_HELP, methodsHelp, epochsHelp } from '../../compress/index.js';
import { loadDataset } from '../../data/index.js';
import { getEngine } from '../../runtime/index.js';
import { out, runCommand } from '../output.js';
import { parseNum as num, isPosInt as posInt } from '../options.js';

interface Flags {
  model: string;
  method: string;
  dataset: string;
  out: string;
  epochs?: string;
  lr?: string;
  calibration: string;
  calibrationSamples: string;
  temperature?: string;
  alpha?: string;
  limitTrain?: string;
  limitTest?: string;
  seed: string;
  json?: boolean;
}

/** Read a model file with a typed error (missing file is the commonest mistake). */
export function readModelFile(path: string): Uint8Array {
  if (!existsSync(path)) throw new LeptonError('LEPTON_ERR_MODEL_NOT_FOUND', `model file ${path} does not exist (pass DIR/model.onnx from lep train)`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new LeptonError('LEPTON_ERR_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

export function register(program: Command): void {
  program
    .command('compress')
    .description('quantize, prune or distill an ONNX model and report size, accuracy and latency against the original')
    .requiredOption('--model <file>', 'input model.onnx')
    .requiredOption('--method <m>', METHOD_HELP)
    .requiredOption('--dataset <name>', 'mnist | mnist-small | fashion-mnist (calibration, fine-tuning, accuracy)')
    .requiredOption('--out <dir>', 'output folder (model.onnx, report.json, report.md)')
    .option('--epochs <n>', epochsHelp())
    .option('--lr <x>', 'learning rate for fine-tuning or distillation')
    .option('--calibration <kind>', 'int8-static calibration: minmax | percentile', 'percentile')
    .option('--calibration-samples <n>', 'int8-static: number of training samples to calibrate on', '256')
    .option('--temperature <T>', 'distill: softmax temperature (default 4)')
    .option('--alpha <a>', 'distill: weight of the soft loss in [0, 1] (default 0.7)')
    .option('--limit-train <n>', 'use only the first N training images')
    .option('--limit-test <n>', 'use only the first N test images')
    .option('--seed <n>', 'seed of student init and shuffling', '1')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `\n${methodsHelp()}`)
    .action((f: Flags) =>
      runCommand(async () => {
        const method = parseMethod(f.method);
        if (f.calibration !== 'minmax' && f.calibration !== 'percentile') throw invalidArgument(`--calibration must be minmax or percentile, got ${JSON.stringify(f.calibration)}`);
        const epochs = num(f.epochs, '--epochs', (n) => Number.isInteger(n) && n >= 0 && n <= 1000, 'an integer in [0, 1000]');
        const lr = num(f.lr, '--lr', (n) => n > 0 && n < 10, 'a number in (0, 10)');
        const temperature = num(f.temperature, '--temperature', (n) => n > 0 && n <= 100, 'a number in (0, 100]');
        const alpha = num(f.alpha, '--alpha', (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
        const samples = num(f.calibrationSamples, '--calibration-samples', posInt, 'a positive integer')!;
        const limitTrain = num(f.limitTrain, '--limit-train', posInt, 'a positive integer');
        const limitTest = num(f.limitTest, '--limit-test', posInt, 'a positive integer');
        const seed = num(f.seed, '--seed', Number.isInteger, 'an integer')!;
        const model = readModelFile(f.model);
        const { train, test } = loadDataset(f.dataset, { ...(limitTrain && { limitTrain }), ...(limitTest && { limitTest }) });
        const progress = new StreamProgress(process.stderr);
        progress.setLabel(`compress ${f.method}`);
        const { bytes, report } = await compressModel({
          engine: await getEngine('ort'),
          model,
          method,
          train,
          test,
          calibration: f.calibration,
          calibrationSamples: samples,
          seed,
          progress,
          ...(epochs !== undefined && { epochs }),
          ...(lr !== undefined && { lr }),
          ...(temperature !== undefined && { temperature }),
          ...(alpha !== undefined && { alpha }),
        });
        progress.finish('done');
        const path = writeCompressOutput(f.out, bytes, report);
        if (f.json) return out.json(report);
        out.line(reportMarkdown(report));
        out.line(`wrote ${path}`);
      }),
    );
}
