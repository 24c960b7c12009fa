/**
 * The `train` kind: `lep train` with its own flags (the job picks `--out`), its per-epoch metrics
 * from the trainer's lines and then its metrics.json, and with `--photon NAME` the trained model
 * registered as the next version of that photon. The pipeline reuses `trainStep`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError, invalidArgument } from '../../core/errors.js';
import { ARCH_NAMES } from '../../nn/architectures.js';
import { fraction, nonNegInt, oneOf, parseFlags, posInt, positive, rangeInt, toArgv, type FlagSpec, type ParsedFlags } from '../flags.js';
import { kind, type JobContext, type ValidateEnv } from '../kind.js';
import { type EpochPoint } from '../types.js';
import { commandFlags, DATASET_FLAG, OUT_FLAG, PHOTON_FLAG, resolveModelRef } from './common.js';

/** As `lep train` names them (cli/train-job.ts; test/jobs-kinds.test.ts keeps the lists equal). */
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export const SCHEDULES = ['none', 'cosine', 'step'] as const;

/** The flags of `lep train`. */
export const TRAIN_FLAGS: readonly FlagSpec[] = [
  { ...DATASET_FLAG, required: false },
  { name: '--task', value: true, check: oneOf(['classify', 'forecast']) },
  { name: '--series', value: true },
  { name: '--column', value: true },
  { name: '--window', value: true, check: posInt },
  { name: '--horizon', value: true, check: posInt },
  { name: '--arch', value: true, check: oneOf(ARCH_NAMES) },
  { name: '--hidden', value: true, check: posInt },
  { name: '--layers', value: true, check: posInt },
  { name: '--forget-bias', value: true, check: (v) => (v === 'none' || (v.trim() !== '' && Number.isFinite(Number(v))) ? undefined : "must be a number or 'none'") },
  { name: '--no-highway', value: false },
  { name: '--width-mult', value: true, check: positive },
  { name: '--epochs', value: true, check: posInt },
  { name: '--batch-size', value: true, check: posInt },
  { name: '--optimizer', value: true, check: oneOf(OPTIMIZERS) },
  { name: '--lr', value: true, check: positive },
  { name: '--augment', value: false },
  { name: '--seed', value: true, check: nonNegInt },
  OUT_FLAG,
  { name: '--schedule', value: true, check: oneOf(SCHEDULES) },
  { name: '--patience', value: true, check: posInt },
  { name: '--weight-decay', value: true, check: (v) => (Number(v) >= 0 && v.trim() !== '' ? undefined : 'must be a number ≥ 0') },
  { name: '--label-smoothing', value: true, check: fraction },
  { name: '--ema', value: true, check: (v) => (v.trim() !== '' && (Number(v) === 0 || (Number(v) > 0 && Number(v) < 1)) ? undefined : 'must be 0 (off) or a decay in (0, 1)') },
  { name: '--init-from', value: true },
  // checked by lep train itself when the job runs (their grammar lives with the trainer, in the CLI)
  { name: '--freeze', value: true },
  { name: '--new-head', value: true, check: posInt },
  { name: '--lr-head', value: true, check: positive },
  { name: '--classes', value: true },
  { name: '--per-class', value: true, check: posInt },
  { name: '--limit-train', value: true, check: posInt },
  { name: '--limit-test', value: true, check: posInt },
  { name: '--json', value: false },
  { name: '--workers', value: true, check: posInt },
  ...['--nnodes', '--node-rank', '--master', '--secret-file'].map((name) => ({ name, value: true, reserved: 'a job trains on this machine; use --workers for data-parallel ranks' })),
  { name: '--precision', value: true, check: oneOf(['fp32', 'bf16', 'fp16']) },
  { name: '--kernel-threads', value: true, check: rangeInt(1, 2) },
];

/** What `lep train` writes to metrics.json (the part the jobs read). */
interface TrainMetricsFile {
  dataset?: string;
  accuracy?: number;
  epochs?: number;
  epochs_run?: number;
  test_loss?: number | null;
  history?: Array<{ epoch: number; trainLoss: number; trainAccuracy: number; testAccuracy?: number }>;
}

export interface TrainPlan {
  flags: ParsedFlags;
  photon: string | undefined;
}

/** Check `lep train` flags (and `--photon`), resolving `--init-from job:ID`. */
export function validateTrain(kindName: string, args: readonly string[], env: ValidateEnv, extra: FlagSpec[] = [PHOTON_FLAG]): TrainPlan {
  const flags = parseFlags(kindName, args, [...TRAIN_FLAGS, ...extra]);
  const forecast = flags.get('--task') === 'forecast';
  if (!forecast && !flags.has('--dataset')) throw invalidArgument(`a ${kindName} job needs --dataset (or --task forecast --series FILE.csv --column NAME)`, { field: '--dataset' });
  if (forecast) {
    const series = flags.get('--series');
    if (typeof series !== 'string' || !flags.has('--column')) throw invalidArgument('--task forecast needs --series FILE.csv and --column NAME', { field: '--series' });
    if (!existsSync(series)) throw invalidArgument(`--series ${series} does not exist on the platform host`, { field: '--series' });
    if (flags.has('--photon')) throw invalidArgument('--photon registers image classifiers; package a forecaster with lep photon create', { field: '--photon' });
  }
  const init = flags.get('--init-from');
  if (typeof init === 'string') flags.set('--init-from', resolveModelRef('--init-from', init, env, 'model.safetensors'));
  const photon = flags.get('--photon');
  return { flags: commandFlags(flags), photon: typeof photon === 'string' ? photon : undefined };
}

/** Run `lep train` into `outDir` as step `step`; returns what its metrics.json says. */
export async function trainStep(ctx: JobContext, step: string, flags: ParsedFlags, outDir: string): Promise<{ accuracy: number; dataset: string; modelPath: string; metrics: Record<string, number> }> {
  return ctx.step(step, async (s) => {
    await ctx.exec(step, ['train', ...toArgv(flags), '--out', outDir]);
    let m: TrainMetricsFile;
    try {
      m = JSON.parse(readFileSync(join(outDir, 'metrics.json'), 'utf8')) as TrainMetricsFile;
    } catch (err) {
      throw new LeptonError('LEPTON_ERR_IO', `train finished but its metrics.json cannot be read: ${(err as Error).message}`, { cause: err });
    }
    const points: EpochPoint[] = (m.history ?? []).map((h) => ({
      step,
      epoch: h.epoch,
      epochs: m.epochs ?? h.epoch,
      loss: h.trainLoss,
      accuracy: h.trainAccuracy,
      testAccuracy: h.testAccuracy ?? null,
    }));
    if (points.length > 0) ctx.setMetrics(step, points);
    const metrics: Record<string, number> = {};
    if (typeof m.accuracy === 'number') metrics['accuracy'] = m.accuracy;
    if (typeof m.epochs_run === 'number') metrics['epochs'] = m.epochs_run;
    if (typeof m.test_loss === 'number') metrics['test_loss'] = m.test_loss;
    for (const [k, v] of Object.entries(metrics)) s.set(k, v);
    const dataset = m.dataset ?? (flags.get('--dataset') as string | undefined) ?? 'series';
    s.set('dataset', dataset);
    return { accuracy: m.accuracy ?? Number.NaN, dataset, modelPath: join(outDir, 'model.onnx'), metrics };
  });
}

export const trainKind = kind<TrainPlan>({
  name: 'train',
  summary: 'lep train on the platform; --photon NAME registers the model as a new photon version',
  flags: [...TRAIN_FLAGS, PHOTON_FLAG],
  validate: (args, env) => validateTrain('train', args, env),
  steps: (p) => ['train', ...(p.photon ? ['register'] : [])],
  async run(ctx, plan) {
    const r = await trainStep(ctx, 'train', plan.flags, ctx.artifactsDir);
    if (Number.isFinite(r.accuracy)) ctx.setResult('accuracy', r.accuracy);
    ctx.setResult('dataset', r.dataset);
    const photon = plan.photon;
    if (photon) {
      const ref = await ctx.step('register', async (s) => {
        const ref = await ctx.registerPhoton({ name: photon, modelPath: r.modelPath, dataset: r.dataset, metrics: r.metrics });
        s.set('photon', ref);
        return ref;
      });
      ctx.setResult('photon', ref);
    }
  },
});
