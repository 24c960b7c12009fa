/**
 * `lep train`: parse and check the flags, run the training job with a progress bar on stderr,
 * print a one-line summary. Bad arguments → one-line error, exit code 2 (via runCommand).
 */
import { readFileSync } from 'node:fs';
import { type Command } from 'commander';
import { invalidArgument } from '../../core/errors.js';
import { StreamProgress } from '../../core/progress.js';
import { out, runCommand } from '../output.js';
import { parseNum as num } from '../options.js';
import { parseIndexList } from '../train-transfer.js';
import { runForecastJob } from '../forecast-job.js';
import { parallelFromFlags, runParallelTrainJob, setKernelThreads, type ParallelTrainJobOptions } from '../train-parallel.js';
import { runTrainJob, resolveTrainOptions, OPTIMIZER_NAMES, type OptimizerName, type ScheduleName, type TrainJobOptions } from '../train-job.js';

interface Flags {
  dataset?: string;
  task: string;
  series?: string;
  column?: string;
  window?: string;
  horizon?: string;
  arch: string;
  epochs: string;
  batchSize: string;
  optimizer: string;
  lr?: string;
  augment?: boolean;
  seed: string;
  out: string;
  patience?: string;
  schedule?: string;
  weightDecay?: string;
  labelSmoothing?: string;
  ema?: string;
  initFrom?: string;
  freeze?: string;
  newHead?: string;
  lrHead?: string;
  classes?: string;
  perClass?: string;
  limitTrain?: string;
  limitTest?: string;
  json?: boolean;
  highway?: boolean;
  forgetBias?: string;
  hidden?: string;
  layers?: string;
  widthMult?: string;
  workers?: string;
  nnodes?: string;
  nodeRank?: string;
  master?: string;
  secretFile?: string;
  precision?: string;
  kernelThreads?: string;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train a digit/fashion classifier and write model.onnx, model.safetensors and metrics.json')
    .option('--dataset <name>', 'mnist (60k/10k) | mnist-small (10k digits, 8000/2000) | fashion-mnist (required for --task classify)')
    .option('--task <name>', 'classify (images) | forecast (a CSV series; see --series)', 'classify')
    .option('--series <file.csv>', 'forecast: the CSV file holding the series')
    .option('--column <name>', 'forecast: the numeric column to forecast')
    .option('--window <n>', 'forecast: past values per input window', '24')
    .option('--horizon <n>', 'forecast: values forecast per window', '12')
    .option('--no-highway', "forecast: leave out LSTNet's autoregressive highway (a linear AR term over the window, trained end to end with the recurrent net; on by default)")
    .option('--arch <name>', 'mlp (784-128-10) | cnn (conv32-pool-conv64-pool-dense128) | rnn | lstm | gru (28 rows as 28 steps) | mobilenet-mini (MobileNetV2-style)', 'mlp')
    .option('--hidden <n>', 'rnn/lstm/gru: hidden units per layer (default 64)')
    .option('--layers <n>', 'rnn/lstm/gru: stacked recurrent layers (default 1)')
    .option('--forget-bias <x>', "lstm: forget-gate bias init (default 1, chosen on a validation split); none: PyTorch's uniform init")
    .option('--width-mult <w>', 'mobilenet-mini: channel width multiplier, e.g. 0.5 | 0.75 | 1.0 (default 1)')
    .option('--epochs <n>', 'training epochs', '10')
    .option('--batch-size <n>', 'mini-batch size', '128')
    .option('--optimizer <name>', OPTIMIZER_NAMES.join(' | '), 'adam')
    .option('--lr <x>', 'learning rate (default 1e-3; sgd 0.05 with momentum 0.9)')
    .option('--augment', 'train on augmented images (shift/rotate for mnist and mnist-small, shift/flip for fashion-mnist)')
    .option('--seed <n>', 'seed of init, shuffling and augmentation', '0')
    .requiredOption('--out <dir>', 'output folder')
    .option('--schedule <name>', 'learning-rate schedule: none | cosine | step', 'none')
    .option('--patience <n>', 'early stopping: epochs without test-accuracy gain (forecast: without validation-MAE gain)')
    .option('--weight-decay <x>', 'L2 weight decay')
    .option('--label-smoothing <x>', 'cross-entropy label smoothing in [0, 1]')
    .option('--ema <decay>', 'evaluate and export an exponential moving average of the weights with this decay; 0: the last step\'s weights (default 0.999)')
    .option('--init-from <file>', 'start from a model.safetensors (fine-tune)')
    .option('--freeze <pattern>', 'with --init-from: freeze layers by index range (0-3) or type glob (conv*), comma-separated')
    .option('--new-head <n>', 'with --init-from: replace the final classifier with a fresh one of N classes')
    .option('--lr-head <x>', 'learning rate of the classifier head (its own optimizer parameter group)')
    .option('--classes <list>', 'train and test on these classes only, renumbered from 0 (e.g. 5-9)')
    .option('--per-class <n>', 'use at most N training images of each class')
    .option('--limit-train <n>', 'use only the first N training images')
    .option('--limit-test <n>', 'use only the first N test images')
    .option('--json', 'print the full metrics as JSON')
    .option('--workers <n>', 'data-parallel ranks as worker threads on this machine (--batch-size is the global batch)')
    .option('--nnodes <n>', 'data-parallel ranks as processes over tcp (or WORLD_SIZE); each runs with its own --node-rank')
    .option('--node-rank <r>', "this process's rank in [0, nnodes) (or RANK); rank 0 writes the outputs")
    .option('--master <host:port>', 'where rank 0 listens for the others (or MASTER_ADDR and MASTER_PORT)')
    .option('--secret-file <file>', 'shared secret authenticating the ranks (or LEPTON_DIST_SECRET)')
    .option('--precision <p>', 'fp32 | bf16 | fp16: 16-bit weights and activations, fp32 master weights (fp16 with loss scaling)', 'fp32')
    .option('--kernel-threads <n>', 'threads per GEMM/convolution kernel: 1 or 2 (default: 2 on a 2+ core machine; 1 in each --workers rank)')
    .action((f: Flags) =>
      runCommand(() => {
        if (f.task === 'forecast') return forecast(f);
        if (f.task !== 'classify') throw invalidArgument(`unknown task ${JSON.stringify(f.task)}; valid: classify, forecast`);
        if (f.dataset === undefined) throw invalidArgument('--dataset is required (or use --task forecast --series FILE.csv)');
        const opts: TrainJobOptions = {
          dataset: f.dataset,
          arch: f.arch,
          epochs: num(f.epochs, '--epochs'),
          batchSize: num(f.batchSize, '--batch-size'),
          optimizer: f.optimizer as OptimizerName,
          augment: f.augment ?? false,
          seed: num(f.seed, '--seed'),
          outDir: f.out,
          ...(f.lr !== undefined && { lr: num(f.lr, '--lr') }),
          ...(f.hidden !== undefined && { hidden: num(f.hidden, '--hidden') }),
          ...(f.layers !== undefined && { layers: num(f.layers, '--layers') }),
          ...(f.forgetBias !== undefined && { forgetBias: f.forgetBias === 'none' ? null : num(f.forgetBias, '--forget-bias') }),
          ...(f.widthMult !== undefined && { widthMult: num(f.widthMult, '--width-mult') }),
          ...(f.schedule !== undefined && { schedule: f.schedule as ScheduleName }),
          ...(f.patience !== undefined && { patience: num(f.patience, '--patience') }),
          ...(f.weightDecay !== undefined && { weightDecay: num(f.weightDecay, '--weight-decay') }),
          ...(f.labelSmoothing !== undefined && { labelSmoothing: num(f.labelSmoothing, '--label-smoothing') }),
          ...(f.ema !== undefined && { ema: num(f.ema, '--ema') }),
          ...(f.initFrom !== undefined && { initFrom: f.initFrom }),
          ...(f.freeze !== undefined && { freeze: f.freeze }),
          ...(f.newHead !== undefined && { newHead: num(f.newHead, '--new-head') }),
          ...(f.lrHead !== undefined && { lrHead: num(f.lrHead, '--lr-head') }),
          ...(f.classes !== undefined && { classes: parseIndexList(f.classes, '--classes') }),
          ...(f.perClass !== undefined && { perClass: num(f.perClass, '--per-class') }),
          ...(f.limitTrain !== undefined && { limitTrain: num(f.limitTrain, '--limit-train') }),
          ...(f.limitTest !== undefined && { limitTest: num(f.limitTest, '--limit-test') }),
        };
        resolveTrainOptions(opts); // reject bad flags before loading any data
        const par = parallelFromFlags(f, process.env, (file) => readFileSync(file, 'utf8'));
        if (f.kernelThreads !== undefined) setKernelThreads(num(f.kernelThreads, '--kernel-threads'));
        const progress = new StreamProgress(process.stderr);
        progress.setLabel('train');
        if (par) return trainParallel({ ...opts, ...par, progress }, f.json ?? false);
        const { metrics, files } = runTrainJob({ ...opts, progress });
        if (f.json) return out.json(metrics);
        out.line(
          `${metrics.arch} on ${metrics.dataset}: accuracy ${(metrics.accuracy * 100).toFixed(2)}% after ${metrics.epochs_run} epochs, ` +
            `${metrics.seconds_per_epoch.toFixed(2)} s/epoch, ${metrics.images_per_second.toFixed(0)} images/s, ` +
            `${metrics.parameters} parameters, ${((metrics.flops_per_image ?? 0) / 1e6).toFixed(2)} MFLOPs/image, ${metrics.onnx_bytes ?? 0} bytes ONNX → ${files.onnx}, ${files.safetensors}, ${files.metrics}`,
        );
      }),
    );
}

/** `--task forecast`: the recurrent forecaster on one CSV column, scored against the baselines. */
function forecast(f: Flags): void {
  if (f.series === undefined || f.column === undefined) throw invalidArgument('--task forecast needs --series FILE.csv and --column NAME');
  const given = (flag: string, v: string | undefined) => (v === undefined ? undefined : num(v, flag));
  const epochs = f.epochs === '10' ? undefined : given('--epochs', f.epochs); // the classifier's default is not the forecaster's
  const progress = new StreamProgress(process.stderr);
  progress.setLabel('forecast');
  const { metrics: m, files } = runForecastJob({
    series: f.series,
    column: f.column,
    window: num(f.window ?? '24', '--window'),
    horizon: num(f.horizon ?? '12', '--horizon'),
    arch: f.arch === 'mlp' ? 'lstm' : f.arch,
    outDir: f.out,
    seed: num(f.seed, '--seed'),
    progress,
    ...(epochs !== undefined && { epochs }),
    ...(f.hidden !== undefined && { hidden: num(f.hidden, '--hidden') }),
    ...(f.layers !== undefined && { layers: num(f.layers, '--layers') }),
    ...(f.lr !== undefined && { lr: num(f.lr, '--lr') }),
    ...(f.batchSize !== '128' && { batchSize: num(f.batchSize, '--batch-size') }),
    ...(f.patience !== undefined && { patience: num(f.patience, '--patience') }),
    ...(f.highway === false && { highway: false }),
  });
  progress.finish();
  if (f.json) return out.json(m);
  const e = (x: { mae: number; rmse: number }) => `MAE ${x.mae.toFixed(3)} RMSE ${x.rmse.toFixed(3)}`;
  out.line(`${m.arch} forecast of ${m.column} (window ${m.window}, horizon ${m.horizon}) on the held-out tail: ${e(m.model)}; seasonal-naive ${e(m.seasonal_naive)}; linear AR ${e(m.linear_ar)} (${m.validation.seeds} seeds, ${m.epochs} epochs chosen on validation) → ${files.onnx}, ${files.metrics}`);
}

/** --workers, --nnodes or --precision: the same summary from rank 0; other ranks say they are done. */
async function trainParallel(o: ParallelTrainJobOptions, json: boolean): Promise<void> {
  const r = await runParallelTrainJob(o);
  const { metrics, files } = r;
  if (!metrics || !files) {
    if (json) return out.json({ rank: r.rank, world_size: r.worldSize, accuracy: r.accuracy, epochs_run: r.epochsRun });
    return out.line(`rank ${r.rank} of ${r.worldSize} done: accuracy ${(r.accuracy * 100).toFixed(2)}% after ${r.epochsRun} epochs (rank 0 wrote the outputs)`);
  }
  if (json) return out.json(metrics);
  const how = metrics.parallel && metrics.parallel.world_size > 1 ? ` on ${metrics.parallel.world_size} ranks (${metrics.parallel.transport})` : '';
  out.line(
    `${metrics.arch} on ${metrics.dataset}${how}${metrics.mixed_precision ? ` in ${metrics.mixed_precision.precision}` : ''}: accuracy ${(metrics.accuracy * 100).toFixed(2)}% after ${metrics.epochs_run} epochs, ` +
      `${metrics.seconds_per_epoch.toFixed(2)} s/epoch, ${metrics.images_per_second.toFixed(0)} images/s → ${files.onnx}, ${files.safetensors}, ${files.metrics}`,
  );
}
