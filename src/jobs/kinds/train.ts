/**
 * The `train` kind: `lep train` with its own flags (the job picks `--out`), its per-epoch metrics
 * from the trainer's lines and then its metrics.json, and with `--photon NAME` the trained model
 * registered as the next version of that photon. The pipeline reuses `trainStep`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeptonError } from '../../core/errors.js';
import { ARCH_NAMES } from '../../nn/architectures.js';
import { fraction, nonNegInt, oneOf, parseFlags, posInt, positive, toArgv, type FlagSpec, type ParsedFlags } from '../flags.js';
import { kind, type JobContext, type ValidateEnv } from '../kind.js';
import { type EpochPoint } from '../types.js';
import { commandFlags, DATASET_FLAG, OUT_FLAG, PHOTON_FLAG, resolveModelRef } from './common.js';

/** As `lep train` names them (cli/train-job.ts; test/jobs-kinds.test.ts keeps the lists equal). */
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export const SCHEDULES = ['none', 'cosine', 'step'] as const;

/** The flags of `lep train`. */
export const TRAIN_FLAGS: readonly FlagSpec[] = [
  DATASET_FLAG,
  { name: '--arch', value: true, check: oneOf(ARCH_NAMES) },
  { name: '--hidden', value: true, check: posInt },
  { name: '--layers', value: true, check: posInt },
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
];

/** What `lep train` writes to metrics.json (the part the jobs read). */
interface TrainMetricsFile {
  dataset: string;
  accuracy: number;
  epochs: number;
  epochs_run: number;
  test_loss: number | null;
  history: Array<{ epoch: number; trainLoss: number; trainAccuracy: number; testAccuracy?: number }>;
}

export interface TrainPlan {
  flags: ParsedFlags;
  photon: string | undefined;
}

/** Check `lep train` flags (and `--photon`), resolving `--init-from job:ID`. */
export function validateTrain(kindName: string, args: readonly string[], env: ValidateEnv, extra: FlagSpec[] = [PHOTON_FLAG]): TrainPlan {
  const flags = parseFlags(kindName, args, [...TRAIN_FLAGS, ...extra]);
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
    const points: EpochPoint[] = m.history.map((h) => ({
      step,
      epoch: h.epoch,
      epochs: m.epochs,
      loss: h.trainLoss,
      accuracy: h.trainAccuracy,
      testAccuracy: h.testAccuracy ?? null,
    }));
    ctx.setMetrics(step, points);
    s.set('accuracy', m.accuracy);
    s.set('epochs', m.epochs_run);
    s.set('dataset', m.dataset);
    const metrics: Record<string, number> = { accuracy: m.accuracy, epochs: m.epochs_run };
    if (m.test_loss !== null) metrics['test_loss'] = m.test_loss;
    return { accuracy: m.accuracy, dataset: m.dataset, modelPath: join(outDir, 'model.onnx'), metrics };
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
    ctx.setResult('accuracy', r.accuracy);
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
