/**
 * The `pipeline` kind — train → compress (optional) → evaluate → gate → register → deploy — as one
 * job. Each step is recorded with its state, timing and metrics. The gate is the point of no
 * return: when the candidate's held-out accuracy is under the floor, or a compressed model lost
 * more than `--max-drop`, the job fails there and nothing is registered or deployed.
 */
import { join } from 'node:path';
import { LeptonError, invalidArgument } from '../../core/errors.js';
import { isResourceName } from '../../core/names.js';
import { fraction, parseFlags, rangeInt, splitFlags, type FlagSpec, type ParsedFlags } from '../flags.js';
import { kind } from '../kind.js';
import { compressStep, COMPRESS_FLAGS } from './compress.js';
import { PHOTON_FLAG } from './common.js';
import { trainStep, validateTrain } from './train.js';

/** The flags of `lep pipeline run`. */
export const PIPELINE_FLAGS: readonly FlagSpec[] = [
  { ...PHOTON_FLAG, name: '--name', required: true },
  { name: '--train', value: true, required: true, flagsValue: true },
  { name: '--compress', value: true, check: COMPRESS_FLAGS.find((f) => f.name === '--method')!.check! },
  { name: '--min-accuracy', value: true, required: true, check: fraction },
  { name: '--max-drop', value: true, check: fraction },
  { name: '--deploy', value: true, check: (v) => (isResourceName(v) ? undefined : 'must be a deployment name (lowercase letters, digits and dashes)') },
  { name: '--replicas', value: true, check: rangeInt(1, 64) },
  { name: '--canary', value: true, check: rangeInt(1, 99) },
];

export interface PipelinePlan {
  name: string;
  train: ParsedFlags;
  compress: string | undefined;
  minAccuracy: number;
  maxDrop: number;
  deploy: string | undefined;
  replicas: number;
  canary: number | undefined;
}

/** Longest wait for the deployment to serve the new photon. */
const DEPLOY_READY_MS = 180_000;

export const pipelineKind = kind<PipelinePlan>({
  name: 'pipeline',
  summary: 'train → compress → evaluate → gate (accuracy floor, max drop) → register photon → deploy',
  flags: PIPELINE_FLAGS,
  validate(args, env) {
    const f = parseFlags('pipeline', args, PIPELINE_FLAGS);
    const train = validateTrain('pipeline --train', splitFlags(f.get('--train') as string), env, []).flags;
    if (train.get('--task') === 'forecast') throw invalidArgument('the pipeline gates on classification accuracy; --task forecast is not supported in --train', { field: '--train' });
    const deploy = f.get('--deploy') as string | undefined;
    const canary = f.has('--canary') ? Number(f.get('--canary')) : undefined;
    if (deploy !== undefined && !env.deploy) throw invalidArgument('--deploy needs the platform (this jobs service has no deploy target)', { field: '--deploy' });
    if (canary !== undefined && deploy === undefined) throw invalidArgument('--canary needs --deploy', { field: '--canary' });
    if (canary !== undefined && env.deploy?.canSplitTraffic !== true) {
      throw invalidArgument('--canary needs traffic splitting between revisions, which this platform does not have yet; leave --canary out to roll the deployment to the new version', { field: '--canary' });
    }
    if (f.has('--max-drop') && !f.has('--compress')) throw invalidArgument('--max-drop applies to a compressed model; add --compress METHOD or leave --max-drop out', { field: '--max-drop' });
    return {
      name: f.get('--name') as string,
      train,
      compress: f.get('--compress') as string | undefined,
      minAccuracy: Number(f.get('--min-accuracy')),
      maxDrop: f.has('--max-drop') ? Number(f.get('--max-drop')) : 0.01,
      deploy,
      replicas: f.has('--replicas') ? Number(f.get('--replicas')) : 1,
      canary,
    };
  },
  steps: (p) => ['train', ...(p.compress ? ['compress'] : []), 'evaluate', 'gate', 'register', ...(p.deploy ? ['deploy'] : [])],
  async run(ctx, p) {
    const trained = await trainStep(ctx, 'train', p.train, join(ctx.artifactsDir, 'train'));
    let candidate = { accuracy: trained.accuracy, modelPath: trained.modelPath, metrics: trained.metrics };
    let original: number | undefined;
    if (p.compress) {
      const cflags: ParsedFlags = new Map([
        ['--model', trained.modelPath],
        ['--method', p.compress],
        ['--dataset', trained.dataset],
      ]);
      for (const k of ['--limit-train', '--limit-test', '--seed']) {
        const v = p.train.get(k);
        if (typeof v === 'string') cflags.set(k, v);
      }
      const c = await compressStep(ctx, 'compress', cflags, join(ctx.artifactsDir, 'compress'));
      candidate = { accuracy: c.accuracy, modelPath: c.modelPath, metrics: { ...c.metrics, trained_accuracy: trained.accuracy } };
      original = c.original;
    }
    // The accuracies were measured on the dataset's held-out test split, by the trainer and (for a
    // variant) by compress against its original on the same split: the gate compares those.
    const evaluation = await ctx.step('evaluate', (s) => {
      s.set('split', 'test');
      s.set('accuracy', candidate.accuracy);
      if (original !== undefined) {
        s.set('original_accuracy', original);
        s.set('drop', original - candidate.accuracy);
      }
      return { accuracy: candidate.accuracy, drop: original === undefined ? undefined : original - candidate.accuracy };
    });
    ctx.setResult('accuracy', evaluation.accuracy);
    await ctx.step('gate', (s) => {
      s.set('min_accuracy', p.minAccuracy);
      if (evaluation.drop !== undefined) s.set('max_drop', p.maxDrop);
      if (!(evaluation.accuracy >= p.minAccuracy)) {
        throw new LeptonError('LEPTON_ERR_CONFLICT', `gate: accuracy ${evaluation.accuracy.toFixed(4)} is below the floor ${p.minAccuracy}; nothing registered or deployed`);
      }
      if (evaluation.drop !== undefined && evaluation.drop > p.maxDrop) {
        throw new LeptonError('LEPTON_ERR_CONFLICT', `gate: compression lost ${evaluation.drop.toFixed(4)} accuracy, more than --max-drop ${p.maxDrop}; nothing registered or deployed`);
      }
      s.set('passed', true);
    });
    const ref = await ctx.step('register', async (s) => {
      const ref = await ctx.registerPhoton({ name: p.name, modelPath: candidate.modelPath, dataset: trained.dataset, metrics: candidate.metrics });
      s.set('photon', ref);
      return ref;
    });
    ctx.setResult('photon', ref);
    const target = ctx.deploy;
    const deployment = p.deploy;
    if (deployment === undefined) return;
    if (!target) throw new LeptonError('LEPTON_ERR_UNSUPPORTED', 'no deploy target on this platform');
    await ctx.step('deploy', async (s) => {
      const before = target.current(deployment);
      if (before) s.set('previous', before);
      const action = await target.createOrUpdate(deployment, ref, { replicas: p.replicas, ...(p.canary === undefined ? {} : { canary: p.canary }) });
      s.set('action', action);
      s.set('deployment', deployment);
      ctx.log(`deploy: ${action} deployment ${deployment} → ${ref}; waiting until it serves`);
      await target.waitReady(deployment, ref, DEPLOY_READY_MS, ctx.signal);
      s.set('photon', ref);
    });
    ctx.setResult('deployment', deployment);
  },
});
