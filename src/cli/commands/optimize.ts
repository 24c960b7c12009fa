/**
 * `lep optimize`: the speed–cost navigator. Parses targets and prices, runs the search with a
 * progress line, and on Ctrl-C stops the search and still writes the partial report.
 */
import { type Command } from 'commander';
import { invalidArgument } from '../../core/errors.js';
import { StreamProgress } from '../../core/progress.js';
import { isDatasetName } from '../../data/index.js';
import { navigate, planVariants, DEFAULT_VARIANTS, DEFAULT_STUDENT } from '../../navigator/index.js';
import { methodsHelp } from '../../compress/index.js';
import { out, runCommand } from '../output.js';
import { parseNum as num, isPositive as pos, isPosInt as posInt } from '../options.js';
import { readModelFile } from './compress.js';

interface Flags {
  model: string;
  dataset: string;
  out: string;
  minAccuracy: string;
  p99Ms: string;
  rps: string;
  priceCoreHour: string;
  priceGpuHour?: string;
  budgetMinutes: string;
  variants?: string;
  distill: string | false;
  connections: string;
  measureSeconds: string;
  limitTrain?: string;
  limitTest?: string;
  json?: boolean;
}


export function register(program: Command): void {
  program
    .command('optimize')
    .description('search model variants × serving settings on real local servers and recommend the cheapest that meets the targets')
    .requiredOption('--model <file>', 'input model.onnx')
    .requiredOption('--dataset <name>', 'mnist | mnist-small | fashion-mnist')
    .requiredOption('--out <dir>', 'report folder (report.json, report.md, pareto.svg, pareto.png, variants/)')
    .option('--min-accuracy <x>', 'accuracy floor in [0, 1]', '0.88')
    .option('--p99-ms <ms>', 'p99 latency target', '10')
    .option('--rps <n>', 'throughput target, requests/s', '2000')
    .option('--price-core-hour <usd>', 'price of one CPU core for one hour', '0.04')
    .option('--price-gpu-hour <usd>', 'price of one GPU hour (used only where a GPU is measured)')
    .option('--budget-minutes <m>', 'wall-clock budget of the whole search', '5')
    .option('--variants <list>', `comma-separated compression methods (listed below; default ${DEFAULT_VARIANTS.join(',')}); 'none' for only the original`)
    .option('--distill <student>', 'student of the distilled variant (as in distill:<student>)', DEFAULT_STUDENT)
    .option('--no-distill', 'leave the distilled variant out')
    .option('--connections <n>', 'closed-loop load connections', '32')
    .option('--measure-seconds <s>', 'measurement window per setting', '3')
    .option('--limit-train <n>', 'use only the first N training images (variant building)')
    .option('--limit-test <n>', 'use only the first N test images (accuracy)')
    .option('--json', 'print report.json instead of the summary')
    .addHelpText('after', `\n${methodsHelp()}`)
    .action((f: Flags) =>
      runCommand(async () => {
        if (!isDatasetName(f.dataset)) throw invalidArgument(`--dataset must be mnist, mnist-small or fashion-mnist, got ${JSON.stringify(f.dataset)}`);
        const targets = {
          minAccuracy: num(f.minAccuracy, '--min-accuracy', (n) => n >= 0 && n <= 1, 'a fraction in [0, 1]'),
          p99Ms: num(f.p99Ms, '--p99-ms', pos, 'a positive number'),
          rps: num(f.rps, '--rps', pos, 'a positive number'),
        };
        const prices = {
          coreHour: num(f.priceCoreHour, '--price-core-hour', pos, 'a positive number'),
          ...(f.priceGpuHour !== undefined && { gpuHour: num(f.priceGpuHour, '--price-gpu-hour', pos, 'a positive number') }),
        };
        const budgetMinutes = num(f.budgetMinutes, '--budget-minutes', (n) => n > 0 && n <= 24 * 60, 'minutes in (0, 1440]');
        const variants = f.variants === undefined ? undefined : f.variants === 'none' ? [] : f.variants.split(',').map((s) => s.trim());
        const distill = f.distill === false ? null : f.distill;
        planVariants(variants, distill); // reject bad methods and students before any work
        const connections = num(f.connections, '--connections', (n) => posInt(n) && n <= 1024, 'an integer in [1, 1024]');
        const measureSeconds = num(f.measureSeconds, '--measure-seconds', (n) => n >= 0.5 && n <= 600, 'seconds in [0.5, 600]');
        const limitTrain = f.limitTrain === undefined ? undefined : num(f.limitTrain, '--limit-train', posInt, 'a positive integer');
        const limitTest = f.limitTest === undefined ? undefined : num(f.limitTest, '--limit-test', posInt, 'a positive integer');
        readModelFile(f.model);
        const controller = new AbortController();
        const onSigint = () => {
          if (controller.signal.aborted) process.exit(130);
          out.info('stopping: finishing the current measurement and writing the partial report (Ctrl-C again to quit now)');
          controller.abort();
        };
        process.on('SIGINT', onSigint);
        const progress = new StreamProgress(process.stderr);
        progress.setLabel('optimize');
        try {
          const { report, paths } = await navigate({
            modelPath: f.model,
            dataset: f.dataset,
            outDir: f.out,
            targets,
            prices,
            budgetMinutes,
            distill,
            connections,
            measureSeconds,
            probeSeconds: Math.min(1, measureSeconds),
            signal: controller.signal,
            progress,
            ...(variants && { variants }),
            ...(limitTrain && { limitTrain }),
            ...(limitTest && { limitTest }),
          });
          if (f.json) return out.json(report);
          out.line(report.recommendation.text);
          if (report.savingsFactor !== null) out.line(`vs naive default (fp32, 1 replica, no batching): ${report.savingsFactor.toFixed(1)}× cheaper per request`);
          out.line(`report: ${paths.md}\nchart: ${paths.svg} ${paths.png}`);
          if (report.partial) process.exitCode = 130;
        } finally {
          process.off('SIGINT', onSigint);
        }
      }),
    );
}
